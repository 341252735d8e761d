/**
 * The MES's batch genealogy read: for a set of lots, each lot with the work order that produced it, that
 * work order's quality results and the consumption bookings one step away in the asked direction
 * (backward: what went into the lot; forward: what the lot went into). One call answers a whole level
 * of a trace, however many lots it holds; a caller walks the graph level by level.
 */
import { HttpError } from '../common/http.ts';
import { round3 } from '../plant/catalog.ts';
import type { MesConsumption, MesJobOrder, MesLot, MesQualityResult } from '../plant/types.ts';
import type { MesStore } from './store.ts';

/** Lots per call: a level of a real recall is hundreds of lots; this bounds one answer's size. */
export const MAX_GENEALOGY_LOTS = 5000;

export interface GenealogyItem {
  lot: MesLot;
  jobOrder: MesJobOrder | null;
  qualityResults: MesQualityResult[];
  links: MesConsumption[];
}

export function genealogy(store: MesStore, body: Record<string, unknown>): { items: GenealogyItem[]; missing: string[] } {
  const { lots, direction } = body;
  if (!Array.isArray(lots) || lots.length === 0 || lots.length > MAX_GENEALOGY_LOTS || !lots.every((l) => typeof l === 'string')) {
    throw new HttpError(400, `lots must be an array of 1..${MAX_GENEALOGY_LOTS} lot ids`);
  }
  if (direction !== 'backward' && direction !== 'forward') throw new HttpError(400, "direction must be 'backward' or 'forward'");
  const ids = [...new Set(lots as string[])];
  const found = store.lots.getMany(ids);
  const linkField = direction === 'backward' ? 'producedLot' : 'consumedLot';
  const links = group(store.consumptions.lookup(linkField, ids), (c) => c[linkField]);
  const jobIds = found.flatMap((l) => (l.producedByJobOrder ? [l.producedByJobOrder] : []));
  const jobs = new Map(store.jobOrders.getMany(jobIds).map((j) => [j.id, j]));
  const quality = group(store.qualityResults.lookup('jobOrderId', jobIds), (q) => q.jobOrderId);
  const known = new Set(found.map((l) => l.id));
  return {
    items: found.map((lot) => ({
      lot,
      jobOrder: (lot.producedByJobOrder && jobs.get(lot.producedByJobOrder)) || null,
      qualityResults: lot.producedByJobOrder ? (quality.get(lot.producedByJobOrder) ?? []) : [],
      links: links.get(lot.id) ?? [],
    })),
    missing: ids.filter((id) => !known.has(id)),
  };
}

function group<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(key(item));
    if (list) list.push(item);
    else out.set(key(item), [item]);
  }
  return out;
}

/**
 * Books what a work order finished on the shop floor consumed, as a line's MES does from its recipe:
 * the recipe here is the last lot of the same material at the site that has bookings, per good unit,
 * drawn from the same component lots (a supplier lot goes on feeding orders until it is used up).
 * Returns the consumed lot ids; none when the material was never made before.
 */
export function bookConsumption(store: MesStore, job: MesJobOrder, producedLot: string, started: number, at: string): string[] {
  const earlier = store.lots
    .lookup('materialCode', [job.materialCode])
    .filter((l) => l.site === job.site && l.producedByJobOrder && l.id !== producedLot && l.quantity > 0);
  for (const lot of earlier.reverse()) {
    const recipe = store.consumptions.lookup('producedLot', [lot.id]);
    if (recipe.length === 0) continue;
    for (const c of recipe) {
      const quantity = round3((c.quantity / lot.quantity) * started);
      store.consumptions.upsert({ id: store.nextConsumptionId(), producedLot, consumedLot: c.consumedLot, jobOrderId: job.id, materialCode: c.materialCode, quantity, unit: c.unit, consumedAt: at });
    }
    return recipe.map((c) => c.consumedLot);
  }
  return [];
}
