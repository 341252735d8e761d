import { DAY, HOUR, MINUTE, WORK_CENTER_TYPES, iso, padMaterial, padOperation, padOrder, round2 } from './catalog.ts';
import { scaled, type MasterData, type MaterialSpec, type WorkCenterSpec } from './masterdata.ts';
import type { Rng } from './random.ts';
import type { ErpOperation, ErpOrder, ErpOrderStatus } from './types.ts';

/** A production order before it is split into the ERP's and the MES's records. */
export interface OrderSpec {
  number: string;
  plant: string;
  material: MaterialSpec;
  status: ErpOrderStatus;
  start: number;
  end: number;
  routing: { sequence: number; workCenter: WorkCenterSpec }[];
  /** Planned quantity in the ERP unit and in the MES unit (whole MES units, so splits stay exact). */
  planned: number;
  mesTotal: number;
  /** Set for the one order the ERP closed while the MES still runs it. */
  statusDrift: boolean;
  /**
   * Open orders already on the shop floor at the anchor: the share of their operation work done (0..1;
   * 0 = the first operation has just started) and when work began. Their work orders run side by side.
   */
  execution?: { done: number; startedAt: number };
}

/** Start window in days relative to the anchor: older orders have travelled further through their life. */
const STATUS_BANDS: readonly (readonly [ErpOrderStatus, number, number, number])[] = [
  ['CLOSED', 15, -120, -40],
  ['CREATED', 8, 5, 40],
  ['RELEASED', 22, -0.3, 10],
  ['PARTIALLY_CONFIRMED', 25, -4, 0],
  ['CONFIRMED', 15, -25, -3],
  ['TECHNICALLY_COMPLETED', 15, -60, -15],
];

const QUARTER = 15 * MINUTE;
const quarter = (ms: number): number => Math.round(ms / QUARTER) * QUARTER;

/**
 * The plan and the pace of an order being worked on at the anchor. Most run ahead of their plan, some
 * behind it (at risk), a few are past their planned end (late): the mix a planner meets every morning.
 * `done` is the share of operation work finished; the hub projects the end from it and the time spent.
 */
function onTheFloor(rng: Rng, anchor: number, duration: number): { start: number; execution: NonNullable<OrderSpec['execution']> } {
  const pace = rng.weighted([['ahead', 78], ['behind', 15], ['overdue', 7]] as const);
  if (pace === 'overdue') {
    const start = quarter(anchor - duration - rng.int(1, 16) * HOUR);
    return { start, execution: { done: rng.float(0.35, 0.9), startedAt: start } };
  }
  const start = quarter(anchor - rng.float(0.15, 0.8) * duration);
  const elapsed = (anchor - start) / duration;
  const done = pace === 'ahead' ? Math.min(0.97, elapsed * rng.float(1.2, 1.6)) : elapsed * rng.float(0.45, 0.8);
  return { start, execution: { done, startedAt: start } };
}

/** A released order whose first operation started within the last hours, about when it was planned to. */
function justStarted(rng: Rng, anchor: number): { start: number; execution: NonNullable<OrderSpec['execution']> } {
  const start = anchor - rng.int(1, 16) * QUARTER;
  const startedAt = Math.min(anchor - 5 * MINUTE, start + rng.int(-3, 2) * 5 * MINUTE);
  return { start, execution: { done: 0, startedAt } };
}

export function generateOrders(rng: Rng, scale: number, master: MasterData, anchor: number): OrderSpec[] {
  const producible = master.materials.filter((m) => m.kind !== 'RM');
  const finished = producible.filter((m) => m.kind === 'FG');
  const semi = producible.filter((m) => m.kind === 'SF');
  const count = scaled(1300, scale, 100);
  const drafts: OrderSpec[] = [];
  // Every status occurs at any scale: the first six orders take one each.
  for (let i = 0; i < count; i++) {
    const band = i < STATUS_BANDS.length ? (STATUS_BANDS[i] as (typeof STATUS_BANDS)[number]) : rng.weighted(STATUS_BANDS.map((b) => [b, b[1]] as const));
    const [status, , from, to] = band;
    const duration = rng.int(8, 72) * HOUR;
    let start = anchor + quarter(rng.float(from, to) * DAY);
    let execution: OrderSpec['execution'];
    if (status === 'PARTIALLY_CONFIRMED') ({ start, execution } = onTheFloor(rng, anchor, duration));
    else if (status === 'RELEASED' && rng.chance(0.3)) ({ start, execution } = justStarted(rng, anchor));
    const plant = rng.chance(0.6) ? '1000' : '2000';
    const material = rng.chance(0.55) ? rng.pick(finished) : rng.pick(semi);
    const centers = master.workCenters.filter((w) => w.plant === plant);
    const ordered = WORK_CENTER_TYPES.map((t) => centers.find((w) => w.type === t.type)).filter((w): w is WorkCenterSpec => !!w);
    const chosen = rng.sampleOrdered(ordered, rng.int(2, Math.min(4, ordered.length)));
    drafts.push({
      number: '',
      plant,
      material,
      status,
      start,
      end: start + duration,
      routing: chosen.map((workCenter, k) => ({ sequence: (k + 1) * 10, workCenter })),
      planned: 0,
      mesTotal: 0,
      statusDrift: false,
      ...(execution ? { execution } : {}),
    });
  }
  // Order numbers follow the planned start, as an ERP number range would.
  const sorted = drafts.map((o, i) => ({ o, i })).sort((a, b) => a.o.start - b.o.start || a.i - b.i);
  sorted.forEach(({ o }, i) => {
    o.number = String(1000001 + i);
  });
  return sorted.map(({ o }) => o);
}

/** Quantities that convert exactly between the two units: whole boxes of ten, whole kilograms as grams. */
export function assignQuantities(rng: Rng, orders: readonly OrderSpec[]): void {
  for (const o of orders) {
    const m = o.material;
    if (m.factor === 10) {
      o.mesTotal = rng.int(6, 60);
      o.planned = o.mesTotal * 10;
    } else if (m.factor === 0.001) {
      o.planned = rng.int(10, 400);
      o.mesTotal = o.planned * 1000;
    } else {
      const steps = m.baseUnit === 'PC' ? rng.int(2, 50) : rng.int(5, 200);
      o.planned = steps * 10;
      o.mesTotal = o.planned;
    }
  }
}

export function isReleased(status: ErpOrderStatus): boolean {
  return status !== 'CREATED';
}

export function erpOrder(o: OrderSpec): ErpOrder {
  return {
    OrderNumber: padOrder(o.number),
    Plant: o.plant,
    Material: padMaterial(o.material.number),
    PlannedQuantity: o.planned,
    Unit: o.material.baseUnit,
    PlannedStart: iso(o.start),
    PlannedEnd: iso(o.end),
    Status: o.status,
    ConfirmedYield: 0,
    ConfirmedScrap: 0,
    PlannedCost: round2(o.planned * o.material.cost),
    ActualCost: 0,
    Currency: 'EUR',
    LastChangedAt: iso(o.start - 2 * DAY),
  };
}

export function erpOperations(o: OrderSpec): ErpOperation[] {
  return o.routing.map((r) => ({
    OrderNumber: padOrder(o.number),
    Operation: padOperation(r.sequence),
    Description: WORK_CENTER_TYPES.find((t) => t.type === r.workCenter.type)?.description ?? r.workCenter.description,
    WorkCenter: r.workCenter.code,
    Status: isReleased(o.status) ? 'RELEASED' : 'CREATED',
    ConfirmedYield: 0,
    ConfirmedScrap: 0,
  }));
}
