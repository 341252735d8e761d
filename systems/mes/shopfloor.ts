/**
 * The MES's own shop-floor logic, shared by the admin terminal calls and the simulator: reports land on
 * a job order's current operation, which starts, progresses and completes, and every change is an event.
 */
import { HttpError } from '../common/http.ts';
import { WORK_CENTER_TYPES } from '../plant/catalog.ts';
import type { Rng } from '../plant/random.ts';
import { qualityResult } from '../plant/traceability.ts';
import { EQUIPMENT_STATES, type EquipmentState, type MesJobOrder, type MesSegment } from '../plant/types.ts';
import type { EventLog } from './events.ts';
import type { MesStore } from './store.ts';

export interface ProgressReport {
  /** The operation.progress event. */
  eventId: number;
  /** Every event the report caused, in order. */
  eventIds: number[];
}

/** Drops binary noise from repeated additions (0.1 + 0.2), at a precision no MES unit needs. */
const tidy = (q: number): number => Math.round(q * 1e6) / 1e6;

function quantity(value: unknown, name: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new HttpError(400, `${name} must be a non-negative number`);
  return value;
}

export { quantity as reportQuantity };

export class ShopFloor {
  constructor(
    private readonly store: MesStore,
    private readonly events: EventLog,
    private readonly rng: Rng,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Good and scrap quantities (job order unit) reported at the job order's current operation. */
  progress(workOrderId: unknown, good: unknown, scrap: unknown): ProgressReport {
    if (typeof workOrderId !== 'string' || workOrderId === '') throw new HttpError(400, 'workOrderId must be a non-empty string');
    const deltaGood = quantity(good, 'goodQuantity');
    const deltaScrap = quantity(scrap, 'scrapQuantity');
    const job = this.store.jobOrders.get(workOrderId);
    if (!job) throw new HttpError(404, `no work order '${workOrderId}'`);
    if (job.status === 'COMPLETED' || job.status === 'CANCELLED') throw new HttpError(409, `work order ${workOrderId} is ${job.status}`);
    const segment = job.segments.find((s) => s.status !== 'COMPLETED');
    if (!segment) throw new HttpError(409, `work order ${workOrderId} has no open operation`);
    return this.reportAt(job, segment, deltaGood, deltaScrap);
  }

  /**
   * Good and scrap quantities (job order unit) reported at one named operation, as a terminal at that
   * station would: operations may report out of sequence (30 before 20), and a completed operation
   * still takes late scrap. Validation of the job order's status is the caller's.
   */
  reportAt(job: MesJobOrder, segment: MesSegment, deltaGood: number, deltaScrap: number): ProgressReport {
    const at = this.now().toISOString();
    const ids: number[] = [];
    if (job.status !== 'RUNNING') ids.push(this.setJobStatus(job, 'RUNNING'));
    if (segment.status === 'PENDING') {
      segment.status = 'RUNNING';
      segment.startedAt = at;
      ids.push(this.operationEvent('operation.started', job, segment, 0, 0));
    }
    segment.goodQuantity = tidy(segment.goodQuantity + deltaGood);
    segment.scrapQuantity = tidy(segment.scrapQuantity + deltaScrap);
    const eventId = this.operationEvent('operation.progress', job, segment, deltaGood, deltaScrap);
    ids.push(eventId);
    if (segment.status !== 'COMPLETED' && segment.goodQuantity >= job.quantity) {
      segment.status = 'COMPLETED';
      segment.finishedAt = at;
      ids.push(this.operationEvent('operation.completed', job, segment, 0, 0));
      if (job.segments.every((s) => s.status === 'COMPLETED')) ids.push(...this.complete(job, segment, at));
    }
    return { eventId, eventIds: ids };
  }

  setEquipmentState(equipmentId: unknown, state: unknown): { eventId: number } {
    if (typeof equipmentId !== 'string' || equipmentId === '') throw new HttpError(400, 'equipmentId must be a non-empty string');
    if (typeof state !== 'string' || !(EQUIPMENT_STATES as readonly string[]).includes(state)) {
      throw new HttpError(400, `state must be one of ${EQUIPMENT_STATES.join(', ')}`);
    }
    const eq = this.store.equipment.get(equipmentId);
    if (!eq) throw new HttpError(404, `no equipment '${equipmentId}'`);
    const previousState = eq.state;
    eq.state = state as EquipmentState;
    eq.stateSince = this.now().toISOString();
    this.store.recordStateChange({ equipmentId: eq.id, site: eq.site, previousState, state: eq.state, at: eq.stateSince });
    const e = this.events.append('equipment.state', { equipmentId: eq.id, site: eq.site, previousState, state });
    return { eventId: e.id };
  }

  private setJobStatus(job: MesJobOrder, status: MesJobOrder['status']): number {
    const previousStatus = job.status;
    job.status = status;
    return this.events.append('joborder.status', { jobOrderId: job.id, erpOrder: job.erpOrder, site: job.site, previousStatus, status }).id;
  }

  private operationEvent(type: string, job: MesJobOrder, s: MesSegment, deltaGood: number, deltaScrap: number): number {
    return this.events.append(type, {
      jobOrderId: job.id,
      erpOrder: job.erpOrder,
      site: job.site,
      sequence: s.sequence,
      equipmentId: s.equipmentId,
      goodQuantity: s.goodQuantity,
      scrapQuantity: s.scrapQuantity,
      unit: job.unit,
      deltaGood,
      deltaScrap,
      status: s.status,
    }).id;
  }

  /** A finished job order is tested and leaves a lot behind, as on a real line. */
  private complete(job: MesJobOrder, last: MesSegment, at: string): number[] {
    const ids = [this.setJobStatus(job, 'COMPLETED')];
    const known = WORK_CENTER_TYPES.some((t) => t.description === last.description);
    const q = qualityResult(this.rng, this.store.nextQualityId(), job, known ? last : { ...last, description: 'Packing' }, at);
    this.store.qualityResults.upsert(q);
    this.store.lots.upsert({
      id: this.store.nextLotId(),
      materialCode: job.materialCode,
      site: job.site,
      quantity: last.goodQuantity,
      unit: job.unit,
      status: q.result === 'PASS' ? 'AVAILABLE' : 'BLOCKED',
      producedByJobOrder: job.id,
      consumedLots: [],
      createdAt: at,
    });
    ids.push(this.events.append('quality.result', { jobOrderId: job.id, erpOrder: job.erpOrder, site: job.site, resultId: q.id, characteristic: q.characteristic, result: q.result }).id);
    return ids;
  }
}
