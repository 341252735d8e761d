import { encodeEnvelope } from '../../lib/auth/caller.ts';
import { requestSecurity } from '../../lib/auth/request-security.ts';
import { pageArgs, periodArg, toConnection, type Connection } from '../../lib/connection.ts';
import { DELIVERED_STATUSES, type DueStatus } from '../../lib/due-status.ts';
import { badUserInput } from '../../lib/errors.ts';
import type { ErpContext } from './context.ts';
import type { QueryproductionOrdersArgs } from './generated.ts';
import { normaliseMaterialId } from './ids.ts';
import type { ErpOrder, ErpOrderStatus, OrderQuery } from './source.ts';

const ALL_STATUSES: readonly ErpOrderStatus[] = ['CREATED', 'RELEASED', 'PARTIALLY_CONFIRMED', 'CONFIRMED', 'TECHNICALLY_COMPLETED', 'CLOSED'];

/** Orders judged per `dueStatus` request at most; beyond it the caller narrows by plant, status or plannedEnd. */
export const MAX_DUE_CANDIDATES = 5000;

const empty = (): Connection<ErpOrder> => toConnection('po', [], 0, 0);

/** `Query.productionOrders`: the ERP's own filters go to the ERP; `dueStatus` is judged by the MES subgraph. */
export async function listOrders(args: QueryproductionOrdersArgs, ctx: ErpContext, checkLength: (v: string, arg: string) => void): Promise<Connection<ErpOrder>> {
  const { offset, limit } = pageArgs('po', args.first, args.after);
  if (args.plant != null) checkLength(args.plant, 'plant');
  let material: string | undefined;
  if (args.material != null) {
    checkLength(args.material, 'material');
    material = normaliseMaterialId(args.material);
    // Not a material number the ERP could have: no order can match, and the ERP need not be asked.
    if (material === undefined) return empty();
  }
  const query: OrderQuery = {
    plant: args.plant ?? undefined,
    status: (args.status ?? undefined) as ErpOrderStatus[] | undefined,
    material,
    plannedEnd: args.plannedEnd ? periodArg(args.plannedEnd, 'plannedEnd') : undefined,
    orderBy: args.orderBy ?? 'ID_ASC',
    offset,
    limit,
  };
  if (!args.dueStatus?.length) {
    const page = await ctx.source.orders(query);
    // The list already holds every order field: prime the loader so entity hops refetch nothing.
    for (const o of page.items) ctx.loaders.order.prime(o.id, o);
    return toConnection('po', page.items, offset, page.total);
  }

  const wanted = new Set<DueStatus>(args.dueStatus);
  // Delivered orders are ON_TIME by the rule itself: without ON_TIME in the filter they cannot match,
  // so the ERP is asked only for open ones (a plant's few hundred, not its history).
  const status = wanted.has('ON_TIME') ? query.status : (query.status ?? ALL_STATUSES).filter((s) => !DELIVERED_STATUSES.has(s));
  if (status && status.length === 0) return empty();
  const candidates = await ctx.source.orders({ ...query, status, offset: 0, limit: MAX_DUE_CANDIDATES });
  if (candidates.total > MAX_DUE_CANDIDATES) {
    throw badUserInput(`dueStatus judges at most ${MAX_DUE_CANDIDATES} orders per request; ${candidates.total} match the other filters. Narrow by plant, status or plannedEnd.`, 'dueStatus');
  }
  const dues = candidates.items.length ? await ctx.due.of(candidates.items, encodeEnvelope(requestSecurity(ctx).envelope)) : new Map<string, DueStatus>();
  const matching = candidates.items.filter((o) => {
    const d = dues.get(o.id);
    return d !== undefined && wanted.has(d);
  });
  const page = matching.slice(offset, offset + limit);
  for (const o of page) ctx.loaders.order.prime(o.id, o);
  return toConnection('po', page, offset, matching.length);
}
