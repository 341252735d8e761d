/**
 * The plant-wide reconciliation: both systems read in bulk, joined, compared, filtered, then paged.
 *
 * Why this lives in the MES subgraph and reads the ERP itself (through the same read-only ErpSource
 * adapter as the ERP subgraph) instead of going through the gateway: a report filters by kind and
 * severity before it pages, so it must see every order of the plant and every work order at once.
 * Through federation that is one entity fetch per order and field; here it is a handful of bulk reads
 * ($top/nextLink pages and `in (...)` chunks) on each side. Per-order `discrepancies` still use @requires.
 */
import type { ErpOrder, ErpSource } from '../../erp/source.ts';
import type { MaterialMapping } from '../mapping.ts';
import type { MesJobOrder, MesSource } from '../source.ts';
import { compareOrder, orphanDiscrepancy, type DiscrepancyRecord, type OrderFacts, type Tolerances } from './compare.ts';

export interface ReportQuery {
  plant?: string | undefined;
  /** Planned start: inclusive lower, exclusive upper bound (ISO 8601). */
  from?: string | undefined;
  to?: string | undefined;
}

export interface ReportDeps {
  erp: ErpSource;
  mes: MesSource;
  mapping: MaterialMapping;
  tolerances: Tolerances;
}

/** Larger than any plant's order book; the adapter pages with the ERP's own page size underneath. */
const ALL = 10_000_000;

const inPeriod = (iso: string | null | undefined, q: ReportQuery): boolean => {
  if (!q.from && !q.to) return true;
  if (!iso) return false;
  const t = Date.parse(iso);
  return (!q.from || t >= Date.parse(q.from)) && (!q.to || t < Date.parse(q.to));
};

export function factsOf(order: ErpOrder, extra: Pick<OrderFacts, 'operations' | 'confirmations'>): OrderFacts {
  return {
    id: order.id,
    plant: order.plant,
    status: order.status,
    plannedQuantity: order.plannedQuantity,
    unit: order.unit,
    plannedStart: order.plannedStart,
    materialId: order.materialId,
    confirmedQuantity: order.confirmedQuantity,
    confirmedScrapQuantity: order.confirmedScrapQuantity,
    ...extra,
  };
}

function group<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Every discrepancy of the plant (all plants when none is given), sorted by order number then kind. */
export async function reconcile(deps: ReportDeps, q: ReportQuery): Promise<DiscrepancyRecord[]> {
  const [orderPage, jobs] = await Promise.all([
    deps.erp.orders({ plant: q.plant, orderBy: 'ID_ASC', offset: 0, limit: ALL }),
    deps.mes.allJobOrders(q.plant),
  ]);
  const known = new Set(orderPage.items.map((o) => o.id));
  const orders = orderPage.items.filter((o) => inPeriod(o.plannedStart, q));
  // Only booked orders have confirmations; only orders with a duplicate need their routing.
  const booked = orders.filter((o) => o.confirmedQuantity > 0 || o.confirmedScrapQuantity > 0).map((o) => o.id);
  const strangers = [...new Set(jobs.filter((j) => !known.has(j.erpOrder)).map((j) => j.erpOrder))];
  const [confirmations, elsewhere] = await Promise.all([
    booked.length ? deps.erp.confirmationsByOrders(booked) : Promise.resolve([]),
    // A work order may belong to an order of another plant or period; only a truly missing one is an orphan.
    strangers.length ? deps.erp.ordersByIds(strangers) : Promise.resolve([]),
  ]);
  const confByOrder = group(confirmations, (c) => c.orderId);
  const withDuplicates = [...confByOrder].filter(([, list]) => {
    const refs = list.flatMap((c) => (c.externalReference ? [c.externalReference] : []));
    return new Set(refs).size < refs.length;
  }).map(([id]) => id);
  const routing = withDuplicates.length ? await deps.erp.routingByOrders(withDuplicates) : [];
  const opsByOrder = group(routing, (r) => r.orderId);
  const jobsByOrder = group(jobs, (j) => j.erpOrder);

  const out: DiscrepancyRecord[] = [];
  for (const order of orders) {
    const facts = factsOf(order, {
      operations: (opsByOrder.get(order.id) ?? []).map((r) => r.sequence),
      confirmations: confByOrder.get(order.id) ?? [],
    });
    out.push(...compareOrder(facts, jobsByOrder.get(order.id) ?? [], deps.mapping, deps.tolerances));
  }
  const existing = new Set(elsewhere.map((o) => o.id));
  const orphans: MesJobOrder[] = jobs.filter((j) => !known.has(j.erpOrder) && !existing.has(j.erpOrder) && inPeriod(j.plannedStart, q));
  out.push(...orphans.map(orphanDiscrepancy));
  // Stable: compareOrder already lists one order's discrepancies in kind order.
  return out.sort((a, b) => a.sortKey.localeCompare(b.sortKey, 'en', { numeric: true }));
}
