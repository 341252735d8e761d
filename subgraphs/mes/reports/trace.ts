/**
 * traceLot: walks the MES genealogy breadth-first, one upstream call per level (the MES's batch
 * genealogy read answers a whole level: lots, producing work orders, quality results and the next
 * links), so a recall over hundreds of lots costs as many calls as it has levels. Each lot is visited
 * once, which also cuts cycles that bad MES data may hold; depth and lot count are bounded up front.
 */
import { GraphQLError } from 'graphql';
import type { ReportsConfig } from '../../../lib/config.ts';
import { badUserInput, ErrorCode } from '../../../lib/errors.ts';
import type { MesContext } from '../context.ts';
import type { TraceDirection } from '../enums.ts';
import { lotView, type LotView } from '../model.ts';
import type { GenealogyDirection, MesConsumption, MesGenealogyItem } from '../source.ts';

export interface TraceNodeRecord {
  depth: number;
  item: MesGenealogyItem;
  lot: LotView;
  next: string[];
}

export interface TraceLinkRecord {
  link: MesConsumption;
  consumed: TraceNodeRecord;
  produced: TraceNodeRecord;
}

export interface LotTraceRecord {
  direction: TraceDirection;
  root: TraceNodeRecord;
  nodes: TraceNodeRecord[];
  links: TraceLinkRecord[];
  ends: TraceNodeRecord[];
  depth: number;
  truncated: boolean;
}

const tooComplex = (limit: number) =>
  new GraphQLError(`The trace reaches more than ${limit} lots (TRACE_MAX_NODES); trace with a smaller maxDepth.`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'traceNodes', max: limit },
  });

/** The trace of `rootId`, or null when the MES does not know the lot. */
export async function traceLot(
  ctx: MesContext,
  limits: ReportsConfig,
  rootId: string,
  direction: TraceDirection,
  maxDepth: number,
): Promise<LotTraceRecord | null> {
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > limits.traceMaxDepth) {
    throw badUserInput(`maxDepth must be 0..${limits.traceMaxDepth}, got ${maxDepth}`, 'maxDepth');
  }
  const dir: GenealogyDirection = direction === 'FORWARD' ? 'forward' : 'backward';
  const far = (l: MesConsumption) => (dir === 'forward' ? l.producedLot : l.consumedLot);
  const nodes = new Map<string, TraceNodeRecord>();
  let level = [rootId];
  let depth = 0;
  let truncated = false;
  for (;;) {
    const items = await ctx.source.genealogy(level, dir);
    for (const item of items) {
      nodes.set(item.lot.id, { depth, item, lot: lotView(item.lot, ctx.mapping), next: [] });
      prime(ctx, item);
    }
    const next = new Set<string>();
    for (const item of items) for (const l of item.links) if (!nodes.has(far(l))) next.add(far(l));
    if (next.size === 0) break;
    if (depth === maxDepth) {
      truncated = true;
      break;
    }
    if (nodes.size + next.size > limits.traceMaxNodes) throw tooComplex(limits.traceMaxNodes);
    level = [...next];
    depth++;
  }
  const root = nodes.get(rootId);
  if (!root) return null;
  const links: TraceLinkRecord[] = [];
  const seen = new Set<string>();
  for (const node of nodes.values()) {
    for (const link of node.item.links) {
      const consumed = nodes.get(link.consumedLot);
      const produced = nodes.get(link.producedLot);
      // A link to a lot past maxDepth, or one the MES no longer has, is not part of this trace.
      if (!consumed || !produced || seen.has(link.id)) continue;
      seen.add(link.id);
      node.next.push(far(link));
      links.push({ link, consumed, produced });
    }
  }
  const all = [...nodes.values()];
  return { direction, root, nodes: all, links, ends: all.filter((n) => n.item.links.length === 0), depth: Math.max(...all.map((n) => n.depth)), truncated };
}

/** What a level brought, handed to the request's loaders: the node's fields then need no second call. */
function prime(ctx: MesContext, item: MesGenealogyItem): void {
  ctx.loaders.lot.prime(item.lot.id, item.lot);
  if (item.jobOrder) {
    ctx.loaders.job.prime(item.jobOrder.id, item.jobOrder);
    ctx.loaders.quality.prime(item.jobOrder.id, item.qualityResults);
  }
}
