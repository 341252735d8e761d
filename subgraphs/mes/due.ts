/**
 * When will a production order be done, and is that in time? One function for the field
 * `ProductionOrder.dueStatus` / `expectedEnd` and for the `productionOrders(dueStatus:)` filter (which
 * asks this subgraph for the same field), so the two can never disagree.
 *
 * Progress is measured as work: every operation of every work order counts its good quantity up to
 * the work order's quantity, work orders weighted by their quantity. This is unit-free (shares of each
 * work order), so an order whose MES unit cannot be converted still gets an honest projection, and a
 * routing of four operations is a quarter done when the first is finished, not 0 % until the last one
 * reports.
 */
import { DELIVERED_STATUSES, type DueStatus } from '../../lib/due-status.ts';
import type { MesJobOrder } from './source.ts';

/** The ERP plan of an order: what the MES subgraph @requires for the due fields. */
export interface OrderPlan {
  status?: string | undefined;
  plannedStart?: string | undefined;
  plannedEnd?: string | undefined;
}

export interface DueProjection {
  dueStatus: DueStatus;
  /** Epoch ms; null when the order is done and the MES recorded no finish time. */
  expectedEnd: number | null;
  /** Share of operation work done, 0..1. */
  workDone: number;
}

export function projectDue(plan: OrderPlan, jobs: readonly MesJobOrder[], now: number): DueProjection {
  const start = Date.parse(plan.plannedStart ?? '');
  const end = Date.parse(plan.plannedEnd ?? '');
  let weighted = 0;
  let total = 0;
  let firstStart = Infinity;
  let lastFinish = -Infinity;
  for (const job of jobs) {
    if (job.status === 'CANCELLED' || !(job.quantity > 0) || job.segments.length === 0) continue;
    let done = 0;
    for (const s of job.segments) {
      done += Math.min(s.goodQuantity, job.quantity) / job.quantity;
      if (s.startedAt) firstStart = Math.min(firstStart, Date.parse(s.startedAt));
      if (s.finishedAt) lastFinish = Math.max(lastFinish, Date.parse(s.finishedAt));
    }
    weighted += (done / job.segments.length) * job.quantity;
    total += job.quantity;
  }
  const workDone = total > 0 ? Math.min(1, weighted / total) : 0;
  if (DELIVERED_STATUSES.has(plan.status ?? '') || workDone >= 1) {
    return { dueStatus: 'ON_TIME', expectedEnd: Number.isFinite(lastFinish) ? lastFinish : null, workDone: total > 0 ? workDone : 1 };
  }
  const duration = Number.isFinite(end - start) ? Math.max(0, end - start) : 0;
  let expectedEnd: number;
  if (!(firstStart < now)) expectedEnd = Math.max(now, Number.isFinite(start) ? start : now) + duration;
  else if (workDone === 0) expectedEnd = Math.max(now, firstStart + duration);
  // The observed rate: the work done since the first operation started, carried on to the rest.
  else expectedEnd = firstStart + (now - firstStart) / workDone;
  expectedEnd = Math.round(expectedEnd / 1000) * 1000;
  if (!Number.isFinite(end) || expectedEnd <= end) return { dueStatus: 'ON_TIME', expectedEnd, workDone };
  return { dueStatus: now > end ? 'LATE' : 'AT_RISK', expectedEnd, workDone };
}
