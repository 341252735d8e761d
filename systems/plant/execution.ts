import { BASE_TIME, HOUR, PARAMETERS, WORK_CENTER_TYPES, iso, type WorkCenterType } from './catalog.ts';
import type { MasterData, MaterialSpec } from './masterdata.ts';
import type { OrderSpec } from './orders.ts';
import type { Rng } from './random.ts';
import type { JobStatus, MesJobOrder, MesParameter, MesSegment } from './types.ts';

/** How far the shop floor has got with a job order when the demo starts. */
type JobMode = 'planned' | 'started' | 'partial' | 'completed';

export const jobId = (n: number): string => `WO-${String(n).padStart(6, '0')}`;

function modeFor(rng: Rng, order: OrderSpec, index: number): JobMode {
  switch (order.status) {
    case 'CREATED':
      throw new Error('CREATED orders have no job orders');
    case 'RELEASED':
      return rng.chance(0.3) ? 'started' : 'planned';
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

function segments(rng: Rng, mode: JobMode, q: number, ops: readonly { sequence: number; type: WorkCenterType; equipment: readonly string[] }[], from: number, to: number): MesSegment[] {
  const n = ops.length;
  const done = mode === 'completed' ? n : mode === 'partial' ? rng.int(0, n - 1) : 0;
  const d = (to - from) / n;
  const minute = (ms: number): string => iso(Math.round(ms / 60_000) * 60_000);
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
      startedAt: finished || current ? minute(from + j * d) : null,
      finishedAt: finished ? minute(from + (j + 1) * d - 5 * 60_000) : null,
      parameters: parameters(rng, op.type, finished || current),
    };
  });
}

function jobStatus(rng: Rng, mode: JobMode): JobStatus {
  if (mode === 'planned') return 'PLANNED';
  if (mode === 'completed') return 'COMPLETED';
  return mode === 'partial' && rng.chance(0.04) ? 'PAUSED' : 'RUNNING';
}

/** Schedules every released order down to 1..3 MES job orders; returns them by unpadded order number. */
export function generateJobs(rng: Rng, orders: readonly OrderSpec[]): Map<string, MesJobOrder[]> {
  const byOrder = new Map<string, MesJobOrder[]>();
  let next = 1;
  for (const order of orders) {
    if (order.status === 'CREATED') continue;
    const m = order.material;
    const step = m.factor === 0.001 ? 1000 : 1; // whole kilograms per job, as a planner would split
    const parts = split(rng, order.mesTotal / step, rng.weighted([[1, 10], [2, 30], [3, 60]] as const));
    const span = (order.end - order.start) / parts.length;
    const ops = order.routing.map((r) => ({ sequence: r.sequence, type: r.workCenter.type, equipment: r.workCenter.equipment }));
    const jobs = parts.map((units, i): MesJobOrder => {
      const mode = modeFor(rng, order, i);
      const from = order.start + i * span;
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
        plannedEnd: iso(from + span),
        segments: segments(rng, mode, quantity, ops, from, from + span),
      };
    });
    byOrder.set(order.number, jobs);
  }
  return byOrder;
}

/** The pilot-line job order at the MES-only site, booked against an ERP order that does not exist. */
export function orphanJob(rng: Rng, master: MasterData, material: MaterialSpec, id: string): MesJobOrder {
  const from = BASE_TIME - 6 * HOUR;
  const ops = [
    { sequence: 10, type: 'MIX' as const, equipment: [master.pilot.equipment[0] ?? 'EQ-3000-01'] },
    { sequence: 20, type: 'PACK' as const, equipment: [master.pilot.equipment[1] ?? 'EQ-3000-02'] },
  ];
  const quantity = material.factor === 0.001 ? 40_000 : 40;
  const segs = segments(rng, 'partial', quantity, ops, from, from + 12 * HOUR);
  return { id, erpOrder: '9999999', site: '3000', materialCode: material.mesCode, quantity, unit: material.mesUnit, status: 'RUNNING', plannedStart: iso(from), plannedEnd: iso(from + 12 * HOUR), segments: segs };
}
