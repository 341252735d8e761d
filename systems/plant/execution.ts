import { HOUR, MINUTE, PARAMETERS, WORK_CENTER_TYPES, iso, minute, type WorkCenterType } from './catalog.ts';
import type { MasterData, MaterialSpec } from './masterdata.ts';
import type { OrderSpec } from './orders.ts';
import type { Rng } from './random.ts';
import type { JobStatus, MesJobOrder, MesParameter, MesSegment } from './types.ts';

/** How far the shop floor has got with a job order when the demo starts. */
type JobMode = 'planned' | 'started' | 'partial' | 'completed';

export const jobId = (n: number): string => `WO-${String(n).padStart(6, '0')}`;

function modeFor(order: OrderSpec, index: number): JobMode {
  switch (order.status) {
    case 'CREATED':
      throw new Error('CREATED orders have no job orders');
    case 'RELEASED':
      return order.execution ? 'started' : 'planned';
    case 'PARTIALLY_CONFIRMED':
      return 'partial';
    default:
      return order.statusDrift && index === 0 ? 'partial' : 'completed';
  }
}

/** Splits `units` into `k` parts of at least 2, so that a running job can be half done. */
function split(rng: Rng, units: number, k: number): number[] {
  const n = Math.max(1, Math.min(k, Math.floor(units / 2)));
  const weights = Array.from({ length: n }, () => rng.float(0.5, 1.5));
  const total = weights.reduce((s, w) => s + w, 0);
  const spare = units - 2 * n;
  const parts = weights.map((w) => 2 + Math.floor((spare * w) / total));
  const rest = units - parts.reduce((s, p) => s + p, 0);
  parts[n - 1] = (parts[n - 1] ?? 0) + rest;
  return parts;
}

function parameters(rng: Rng, type: WorkCenterType, recorded: boolean): MesParameter[] {
  const all = PARAMETERS[type];
  return rng.sampleOrdered(all, rng.int(1, all.length)).map(([name, unit, lowerLimit, upperLimit]) => {
    const span = upperLimit - lowerLimit;
    let value = (lowerLimit + upperLimit) / 2;
    if (recorded) value = rng.chance(0.03) ? upperLimit + span * rng.float(0.02, 0.1) : rng.float(lowerLimit, upperLimit);
    return { name, value: Math.round(value * 100) / 100, unit, lowerLimit, upperLimit };
  });
}

function scrapFor(rng: Rng, q: number): number {
  return rng.chance(0.45) ? 0 : rng.int(1, Math.max(1, Math.round(q * 0.03)));
}

function segments(rng: Rng, mode: JobMode, q: number, ops: readonly RoutingStep[], from: number, to: number): MesSegment[] {
  const n = ops.length;
  const done = mode === 'completed' ? n : mode === 'partial' ? rng.int(0, n - 1) : 0;
  const d = (to - from) / n;
  return ops.map((op, j) => {
    const current = j === done && (mode === 'partial' || mode === 'started');
    const finished = j < done;
    const good = finished ? q : current && mode === 'partial' ? rng.int(1, q - 1) : 0;
    const scrap = finished || (current && mode === 'partial') ? scrapFor(rng, q) : 0;
    return {
      sequence: op.sequence,
      description: WORK_CENTER_TYPES.find((t) => t.type === op.type)?.description ?? op.type,
      equipmentId: rng.pick(op.equipment),
      status: finished ? 'COMPLETED' : current ? 'RUNNING' : 'PENDING',
      goodQuantity: good,
      scrapQuantity: scrap,
      startedAt: finished || current ? iso(minute(from + j * d)) : null,
      finishedAt: finished ? iso(minute(from + (j + 1) * d - 5 * MINUTE)) : null,
      parameters: parameters(rng, op.type, finished || current),
    };
  });
}

type RoutingStep = { sequence: number; type: WorkCenterType; equipment: readonly string[] };

/**
 * A job order worked at a steady pace since `startedAt`: `done` of its operation work (each operation
 * counts its good quantity up to the job quantity) is finished at the anchor; earlier operations are
 * completed, the current one has part of the quantity. Every time lies before the anchor.
 */
function pacedSegments(rng: Rng, q: number, ops: readonly RoutingStep[], done: number, startedAt: number, anchor: number): MesSegment[] {
  const n = ops.length;
  const work = done * n;
  const current = Math.min(n - 1, Math.floor(work));
  const good = done > 0 ? Math.min(q - 1, Math.max(1, Math.round((work - current) * q))) : 0;
  const perOperation = done > 0 ? (anchor - startedAt) / work : 0;
  return ops.map((op, j): MesSegment => {
    const finished = j < current;
    const opening = j === current;
    const begun = startedAt + j * perOperation;
    const end = Math.max(begun + MINUTE, startedAt + (j + 1) * perOperation - 5 * MINUTE);
    return {
      sequence: op.sequence,
      description: WORK_CENTER_TYPES.find((t) => t.type === op.type)?.description ?? op.type,
      equipmentId: rng.pick(op.equipment),
      status: finished ? 'COMPLETED' : opening ? 'RUNNING' : 'PENDING',
      goodQuantity: finished ? q : opening ? good : 0,
      scrapQuantity: finished || (opening && good > 0) ? scrapFor(rng, q) : 0,
      startedAt: finished || opening ? iso(minute(begun)) : null,
      finishedAt: finished ? iso(minute(end)) : null,
      parameters: parameters(rng, op.type, finished || opening),
    };
  });
}

function jobStatus(rng: Rng, mode: JobMode): JobStatus {
  if (mode === 'planned') return 'PLANNED';
  if (mode === 'completed') return 'COMPLETED';
  return mode === 'partial' && rng.chance(0.04) ? 'PAUSED' : 'RUNNING';
}

/** Schedules every released order down to 1..3 MES job orders; returns them by unpadded order number. */
export function generateJobs(rng: Rng, orders: readonly OrderSpec[], anchor: number): Map<string, MesJobOrder[]> {
  const byOrder = new Map<string, MesJobOrder[]>();
  let next = 1;
  for (const order of orders) {
    if (order.status === 'CREATED') continue;
    const m = order.material;
    const step = m.factor === 0.001 ? 1000 : 1; // whole kilograms per job, as a planner would split
    const parts = split(rng, order.mesTotal / step, rng.weighted([[1, 10], [2, 30], [3, 60]] as const));
    const span = (order.end - order.start) / parts.length;
    const ops = order.routing.map((r) => ({ sequence: r.sequence, type: r.workCenter.type, equipment: r.workCenter.equipment }));
    const run = order.execution;
    const jobs = parts.map((units, i): MesJobOrder => {
      const mode = modeFor(order, i);
      // Work orders already on the floor run side by side over the order's window; others one after another.
      const from = run ? order.start : order.start + i * span;
      const to = run ? order.end : from + span;
      const quantity = units * step;
      return {
        id: jobId(next++),
        erpOrder: order.number,
        site: order.plant,
        materialCode: m.mesCode,
        quantity,
        unit: m.mesUnit,
        status: jobStatus(rng, mode),
        plannedStart: iso(from),
        plannedEnd: iso(to),
        segments: run && mode !== 'completed' ? pacedSegments(rng, quantity, ops, run.done, run.startedAt, anchor) : segments(rng, mode, quantity, ops, from, to),
      };
    });
    byOrder.set(order.number, jobs);
  }
  return byOrder;
}

/** The pilot-line job order at the MES-only site, booked against an ERP order that does not exist. */
export function orphanJob(rng: Rng, master: MasterData, material: MaterialSpec, id: string, anchor: number): MesJobOrder {
  const from = anchor - 6 * HOUR;
  const ops = [
    { sequence: 10, type: 'MIX' as const, equipment: [master.pilot.equipment[0] ?? 'EQ-3000-01'] },
    { sequence: 20, type: 'PACK' as const, equipment: [master.pilot.equipment[1] ?? 'EQ-3000-02'] },
  ];
  const quantity = material.factor === 0.001 ? 40_000 : 40;
  const segs = pacedSegments(rng, quantity, ops, 0.4, from, anchor);
  return { id, erpOrder: '9999999', site: '3000', materialCode: material.mesCode, quantity, unit: material.mesUnit, status: 'RUNNING', plannedStart: iso(from), plannedEnd: iso(from + 12 * HOUR), segments: segs };
}
