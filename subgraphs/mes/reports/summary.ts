/**
 * The production summary: flat rows per time bucket and group, shaped for report tools (Grafana's
 * GraphQL data sources read a list of rows with an ISO `time`). Each figure has one time basis:
 * - output and scrap at the finish of the MES operation that booked them (completed operations only);
 *   per work center every operation's own good and scrap, otherwise a work order's output (its last
 *   operation) and the scrap of all its operations, in the ERP base unit of the material;
 * - planned quantity, orders due, completed and on time at the ERP order's planned end; an order is
 *   complete when all its work orders are, at the latest finish of their last operations;
 * - availability from the MES equipment state log: the share of observed time not DOWN or MAINTENANCE.
 * Quantities of several units in one row are added as numbers (`unit` is then null); the percentages
 * are ratios within the row.
 */
import type { ErpOrder, ErpSource } from '../../erp/source.ts';
import type { ReportPeriod, SummaryGroup } from '../enums.ts';
import type { MaterialMapping } from '../mapping.ts';
import type { MesEquipment, MesEquipmentStateChange, MesJobOrder, MesSource } from '../source.ts';
import { group } from '../reconciliation/report.ts';
import { bucketStart, checkRange, type Range } from './buckets.ts';
import { ALL } from './cost-report.ts';

export interface SummaryRowRecord {
  time: string;
  plant: string | null;
  materialId: string | null;
  workCenter: string | null;
  unit: string | null;
  plannedQuantity: number;
  producedQuantity: number;
  scrapQuantity: number;
  yieldPercent: number | null;
  ordersDue: number;
  ordersCompleted: number;
  ordersOnTime: number;
  onTimePercent: number | null;
  availabilityPercent: number | null;
  excludedWorkOrders: number;
}

export interface SummaryFacts {
  orders: readonly ErpOrder[];
  jobs: readonly MesJobOrder[];
  equipment: readonly MesEquipment[];
  states: readonly MesEquipmentStateChange[];
  mapping: MaterialMapping;
  now: number;
}

export interface SummaryArgs {
  range: Required<{ [K in keyof Range]: number }>;
  period: ReportPeriod | null | undefined;
  groups: ReadonlySet<SummaryGroup>;
}

interface Acc {
  key: { time: number; plant: string | null; materialId: string | null; workCenter: string | null };
  units: Set<string>;
  planned: number;
  produced: number;
  scrap: number;
  due: number;
  completed: number;
  onTime: number;
  up: number;
  observed: number;
  excluded: number;
}

const DOWN = new Set(['DOWN', 'MAINTENANCE']);
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 100 : null);
const round = (q: number) => Math.round(q * 1000) / 1000;

/** The end of the bucket starting at `start`. */
function bucketEnd(start: number, period: ReportPeriod | null | undefined, to: number): number {
  if (!period) return to;
  if (period === 'DAY') return start + 86_400_000;
  if (period === 'WEEK') return start + 7 * 86_400_000;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function summarise(f: SummaryFacts, a: SummaryArgs): SummaryRowRecord[] {
  const { from, to } = a.range;
  const rows = new Map<string, Acc>();
  const inRange = (t: number) => t >= from && t < to;
  const time = (t: number) => (a.period ? bucketStart(new Date(t).toISOString(), a.period) : from);
  const row = (t: number, plant: string | null, materialId: string | null, workCenter: string | null): Acc => {
    const key = { time: time(t), plant: a.groups.has('PLANT') ? plant : null, materialId: a.groups.has('MATERIAL') ? materialId : null, workCenter: a.groups.has('WORK_CENTER') ? workCenter : null };
    const k = JSON.stringify(key);
    let acc = rows.get(k);
    if (!acc) rows.set(k, (acc = { key, units: new Set(), planned: 0, produced: 0, scrap: 0, due: 0, completed: 0, onTime: 0, up: 0, observed: 0, excluded: 0 }));
    return acc;
  };
  const centerOf = new Map(f.equipment.map((e) => [e.id, e.workCenter]));
  const perOperation = a.groups.has('WORK_CENTER');

  for (const job of f.jobs) {
    const conv = f.mapping.conversion(job.materialCode, job.unit);
    const segs = [...job.segments].sort((x, y) => x.sequence - y.sequence);
    const last = segs[segs.length - 1];
    for (const s of segs) {
      if (s.status !== 'COMPLETED' || !s.finishedAt || !inRange(Date.parse(s.finishedAt))) continue;
      const r = row(Date.parse(s.finishedAt), job.site, conv.erpMaterial, s.equipmentId ? (centerOf.get(s.equipmentId) ?? null) : null);
      if (!conv.ok) {
        if (s === last || perOperation) r.excluded++;
        continue;
      }
      r.units.add(conv.unit);
      r.scrap += s.scrapQuantity * conv.factor;
      if (perOperation || s === last) r.produced += s.goodQuantity * conv.factor;
    }
  }

  const jobsOf = group(f.jobs, (j) => j.erpOrder);
  for (const o of f.orders) {
    const end = Date.parse(o.plannedEnd);
    if (!inRange(end)) continue;
    const jobs = (jobsOf.get(o.id) ?? []).filter((j) => j.status !== 'CANCELLED');
    const done = jobs.length > 0 && jobs.every((j) => j.status === 'COMPLETED');
    const finished = done ? Math.max(...jobs.map((j) => Math.max(0, ...j.segments.map((s) => (s.finishedAt ? Date.parse(s.finishedAt) : 0))))) : undefined;
    const centers = perOperation ? [...new Set(jobs.flatMap((j) => j.segments.map((s) => (s.equipmentId ? (centerOf.get(s.equipmentId) ?? null) : null))))] : [null];
    for (const wc of centers.length ? centers : [null]) {
      const r = row(end, o.plant, o.materialId, wc);
      r.units.add(o.unit);
      r.planned += o.plannedQuantity;
      r.due++;
      if (finished !== undefined) r.completed++;
      if (finished !== undefined && finished <= end) r.onTime++;
    }
  }

  if (!a.groups.has('MATERIAL')) availability(f, a, row);

  return [...rows.values()]
    .map((r): SummaryRowRecord => ({
      time: new Date(r.key.time).toISOString(),
      plant: r.key.plant,
      materialId: r.key.materialId,
      workCenter: r.key.workCenter,
      unit: r.units.size === 1 ? [...r.units][0]! : null,
      plannedQuantity: round(r.planned),
      producedQuantity: round(r.produced),
      scrapQuantity: round(r.scrap),
      yieldPercent: pct(r.produced, r.produced + r.scrap),
      ordersDue: r.due,
      ordersCompleted: r.completed,
      ordersOnTime: r.onTime,
      onTimePercent: pct(r.onTime, r.due),
      availabilityPercent: pct(r.up, r.observed),
      excludedWorkOrders: r.excluded,
    }))
    .sort((x, y) => (x.time + (x.plant ?? '') + (x.materialId ?? '') + (x.workCenter ?? '')).localeCompare(y.time + (y.plant ?? '') + (y.materialId ?? '') + (y.workCenter ?? ''), 'en', { numeric: true }));
}

/** Each machine's state intervals, cut at the range and bucket borders, added to its plant/work-center rows. */
function availability(f: SummaryFacts, a: SummaryArgs, row: (t: number, plant: string | null, m: string | null, wc: string | null) => Acc): void {
  const { from, to } = a.range;
  const byMachine = group(f.states, (s) => s.equipmentId);
  for (const eq of f.equipment) {
    const log = (byMachine.get(eq.id) ?? []).slice().sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    log.forEach((s, i) => {
      const next = log[i + 1];
      let start = Math.max(from, Date.parse(s.at));
      const stop = Math.min(to, next ? Date.parse(next.at) : f.now);
      while (start < stop) {
        const bucket = a.period ? bucketStart(new Date(start).toISOString(), a.period) : from;
        const cut = Math.min(stop, bucketEnd(bucket, a.period, to));
        const r = row(start, eq.site, null, eq.workCenter);
        r.observed += cut - start;
        if (!DOWN.has(s.state)) r.up += cut - start;
        start = cut;
      }
    });
  }
}

/** Reads both systems in bulk (paged lists and id batches, never one call per order or machine) and summarises. */
export async function productionSummary(
  deps: { erp: ErpSource; mes: MesSource; jobs: (site?: string) => Promise<MesJobOrder[]>; mapping: MaterialMapping },
  args: { plant?: string | null; from: unknown; to: unknown; period?: ReportPeriod | null; groupBy?: readonly SummaryGroup[] | null },
): Promise<SummaryRowRecord[]> {
  const range = checkRange(args.from, args.to);
  const plant = args.plant ?? undefined;
  if (range.from === range.to) return [];
  const [orders, jobs, equipment] = await Promise.all([
    deps.erp.orders({ plant, orderBy: 'ID_ASC', offset: 0, limit: ALL }),
    deps.jobs(plant),
    deps.mes.equipmentList(plant),
  ]);
  const states = equipment.length ? await deps.mes.equipmentStatesByEquipment(equipment.map((e) => e.id)) : [];
  return summarise(
    { orders: orders.items, jobs, equipment, states, mapping: deps.mapping, now: Date.now() },
    { range: { from: range.from ?? 0, to: range.to ?? 0 }, period: args.period, groups: new Set(args.groupBy ?? ['PLANT']) },
  );
}
