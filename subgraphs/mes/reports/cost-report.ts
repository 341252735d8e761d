/**
 * The cost report: every order of a plant (planned start in from..to) analysed as in cost.ts, then
 * summed per period bucket and group. Work-center rows sum the lines booked at each work center;
 * the other groupings sum whole orders. Rows of different currencies are never added together.
 */
import type { ErpOrder } from '../../erp/source.ts';
import type { CostGroup, ReportPeriod } from '../enums.ts';
import { bucketStart, checkRange, inRange } from './buckets.ts';
import type { CostMoney } from './cost.ts';
import { costAnalyses, type CostDeps } from './cost-data.ts';

export interface CostReportRecord extends CostMoney {
  time: string;
  plant: string | null;
  materialId: string | null;
  workCenter: string | null;
  orderId: string | null;
  orders: number;
  currency: string;
}

export interface CostReportArgs {
  plant?: string | null | undefined;
  from?: unknown;
  to?: unknown;
  period?: ReportPeriod | null | undefined;
  groupBy?: readonly CostGroup[] | null | undefined;
}

export const MONEY_FIELDS = ['plannedCost', 'targetCost', 'actualCost', 'variance', 'quantityVariance', 'scrapVariance', 'priceVariance', 'timeVariance'] as const;

/** Larger than any plant's order book; the adapter pages with the ERP's own page size underneath. */
export const ALL = 10_000_000;

export async function ordersInRange(deps: Pick<CostDeps, 'erp'>, plant: string | null | undefined, range: ReturnType<typeof checkRange>): Promise<ErpOrder[]> {
  const page = await deps.erp.orders({ plant: plant ?? undefined, orderBy: 'ID_ASC', offset: 0, limit: ALL });
  return page.items.filter((o) => inRange(o.plannedStart, range));
}

export async function costReport(deps: CostDeps, args: CostReportArgs): Promise<CostReportRecord[]> {
  const range = checkRange(args.from, args.to);
  if (range.from === range.to) return [];
  const groups = new Set(args.groupBy ?? ['ORDER']);
  const analyses = await costAnalyses(deps, await ordersInRange(deps, args.plant, range));
  const rows = new Map<string, CostReportRecord & { ids: Set<string> }>();
  for (const a of analyses) {
    const time = new Date(args.period ? bucketStart(a.plannedStart, args.period) : (range.from ?? 0)).toISOString();
    const parts: { money: CostMoney; workCenter: string | null }[] = groups.has('WORK_CENTER')
      ? a.lines.map((l) => ({ money: l, workCenter: l.workCenter }))
      : [{ money: a, workCenter: null }];
    for (const { money, workCenter } of parts) {
      const row = {
        time,
        plant: groups.has('PLANT') ? a.plant : null,
        materialId: groups.has('MATERIAL') ? a.materialId : null,
        workCenter,
        orderId: groups.has('ORDER') ? a.orderId : null,
        currency: a.currency,
      };
      const key = JSON.stringify(row);
      let acc = rows.get(key);
      if (!acc) {
        acc = { ...row, orders: 0, ids: new Set(), ...Object.fromEntries(MONEY_FIELDS.map((f) => [f, 0])) } as CostReportRecord & { ids: Set<string> };
        rows.set(key, acc);
      }
      acc.ids.add(a.orderId);
      for (const f of MONEY_FIELDS) acc[f] += money[f];
    }
  }
  const out = [...rows.values()].map(({ ids, ...r }) => {
    for (const f of MONEY_FIELDS) r[f] = Math.round(r[f] * 100) / 100;
    return { ...r, orders: ids.size };
  });
  const k = (r: CostReportRecord) => [r.time, r.plant ?? '', r.materialId ?? '', r.workCenter ?? '', r.orderId ?? '', r.currency].join('\u0000');
  return out.sort((a, b) => k(a).localeCompare(k(b), 'en', { numeric: true }));
}
