/**
 * Lot genealogy computed by the test from the demo MES's raw REST API (never through the hub), so that
 * agreement with traceLot means something.
 */
import { getJson } from './hub.ts';
import type { Json } from './raw-plant.ts';

/** Every row of a MES list endpoint, paged with limit/offset. */
export async function mesAll(mesApi: string, path: string): Promise<Json[]> {
  const out: Json[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await getJson(`${mesApi}/api/v1/${path}${path.includes('?') ? '&' : '?'}limit=1000&offset=${offset}`);
    out.push(...page.items);
    if (page.items.length < 1000) return out;
  }
}

export interface RawTrace {
  /** lot id -> depth */
  depth: Map<string, number>;
  links: Set<string>;
  ends: Set<string>;
}

/** Breadth-first over the consumption bookings, each lot once. */
export function rawTrace(consumptions: Json[], root: string, direction: 'FORWARD' | 'BACKWARD', maxDepth = 100): RawTrace {
  const near = direction === 'FORWARD' ? 'consumedLot' : 'producedLot';
  const far = direction === 'FORWARD' ? 'producedLot' : 'consumedLot';
  const out = new Map<string, Json[]>();
  for (const c of consumptions) out.set(c[near], [...(out.get(c[near]) ?? []), c]);
  const depth = new Map([[root, 0]]);
  const links = new Set<string>();
  let level = [root];
  for (let d = 1; level.length && d <= maxDepth; d++) {
    const next: string[] = [];
    for (const id of level) {
      for (const c of out.get(id) ?? []) {
        links.add(`${c.consumedLot}>${c.producedLot}`);
        if (!depth.has(c[far])) {
          depth.set(c[far], d);
          next.push(c[far]);
        }
      }
    }
    level = next;
  }
  const ends = new Set([...depth.keys()].filter((id) => !(out.get(id)?.length)));
  return { depth, links, ends };
}
