/**
 * The two writes the demo MES accepts from an integration layer (the hub's closed loop), beside the
 * terminal calls of the admin API:
 * - `POST /api/v1/job-orders`: schedule down. A job order created with an `externalReference` (or a
 *   client-chosen `id`) is created once; the same call again answers the existing job order with 200.
 * - `POST /api/v1/job-orders/:id/segments/:seq/reports`: performance. A report carries a client-chosen
 *   `reportId`; a repeated id answers the first result (200, `duplicate: true`) and counts nothing
 *   twice, so a caller that lost an answer can simply send again.
 */
import { HttpError } from '../common/http.ts';
import type { MesJobOrder, MesSegment } from '../plant/types.ts';
import type { EventLog } from './events.ts';
import { reportQuantity, type ShopFloor } from './shopfloor.ts';
import type { MesStore } from './store.ts';

const ID = /^[A-Za-z0-9_.:/-]{1,64}$/;

function text(body: Record<string, unknown>, name: string, required: true): string;
function text(body: Record<string, unknown>, name: string, required: false): string | undefined;
function text(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw new HttpError(400, `${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') throw new HttpError(400, `${name} must be a non-empty string`);
  return v;
}

export interface ReportAnswer {
  reportId: string;
  jobOrderId: string;
  sequence: number;
  goodQuantity: number;
  scrapQuantity: number;
  /** Totals of the operation right after this report, in the job order's unit. */
  segment: { goodQuantity: number; scrapQuantity: number; status: MesSegment['status'] };
  eventIds: number[];
  duplicate: boolean;
}

export class MesWrites {
  /** Report ids already booked. Kept for the life of the process, as long as the job orders. */
  private readonly reports = new Map<string, ReportAnswer>();

  constructor(
    private readonly store: MesStore,
    private readonly events: EventLog,
    private readonly floor: ShopFloor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  createJobOrder(body: Record<string, unknown>): { status: 200 | 201; job: MesJobOrder } {
    const allowed = new Set(['id', 'externalReference', 'erpOrder', 'site', 'materialCode', 'quantity', 'unit', 'plannedStart', 'plannedEnd', 'segments']);
    for (const k of Object.keys(body)) if (!allowed.has(k)) throw new HttpError(400, `unknown field '${k}'`);
    const id = text(body, 'id', false);
    if (id !== undefined && !ID.test(id)) throw new HttpError(400, 'id must be 1..64 characters of [A-Za-z0-9_.:/-]');
    const externalReference = text(body, 'externalReference', false);
    const erpOrder = text(body, 'erpOrder', true);
    const site = text(body, 'site', true);
    const materialCode = text(body, 'materialCode', true);
    const unit = text(body, 'unit', true);
    const quantity = body.quantity;
    if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0) throw new HttpError(400, 'quantity must be a positive number');

    const existing = (id !== undefined ? this.store.jobOrders.get(id) : undefined)
      ?? (externalReference !== undefined ? this.store.jobOrders.lookup('externalReference', [externalReference])[0] : undefined);
    if (existing) {
      // The same request again is a replay; anything else under the same key is a client bug.
      if (existing.erpOrder !== erpOrder || existing.materialCode !== materialCode || existing.quantity !== quantity) {
        throw new HttpError(409, `job order ${existing.id} already exists with other content`);
      }
      return { status: 200, job: existing };
    }

    const rawSegments = body.segments;
    if (!Array.isArray(rawSegments) || rawSegments.length === 0) throw new HttpError(400, 'segments must be a non-empty array');
    const seen = new Set<number>();
    const segments = rawSegments.map((raw, i): MesSegment => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new HttpError(400, `segments[${i}] must be an object`);
      const s = raw as Record<string, unknown>;
      for (const k of Object.keys(s)) if (!['sequence', 'description', 'equipmentId', 'workCenter'].includes(k)) throw new HttpError(400, `unknown field 'segments[${i}].${k}'`);
      if (typeof s.sequence !== 'number' || !Number.isInteger(s.sequence) || s.sequence <= 0) throw new HttpError(400, `segments[${i}].sequence must be a positive integer`);
      if (seen.has(s.sequence)) throw new HttpError(400, `segments[${i}].sequence ${s.sequence} is repeated`);
      seen.add(s.sequence);
      return {
        sequence: s.sequence,
        description: text(s, 'description', false) ?? '',
        equipmentId: this.equipmentFor(site, text(s, 'equipmentId', false), text(s, 'workCenter', false), i),
        status: 'PENDING',
        goodQuantity: 0,
        scrapQuantity: 0,
        startedAt: null,
        finishedAt: null,
        parameters: [],
      };
    });
    const at = this.now().toISOString();
    const job: MesJobOrder = {
      id: id ?? this.store.nextJobId(),
      erpOrder,
      site,
      materialCode,
      quantity,
      unit,
      status: 'PLANNED',
      plannedStart: text(body, 'plannedStart', false) ?? at,
      plannedEnd: text(body, 'plannedEnd', false) ?? at,
      segments: segments.sort((a, b) => a.sequence - b.sequence),
      ...(externalReference !== undefined ? { externalReference } : {}),
    };
    this.store.jobOrders.upsert(job);
    this.events.append('joborder.status', { jobOrderId: job.id, erpOrder, site, previousStatus: null, status: 'PLANNED' });
    return { status: 201, job };
  }

  report(jobOrderId: string, rawSequence: string, body: Record<string, unknown>): { status: 200 | 201; answer: ReportAnswer } {
    for (const k of Object.keys(body)) if (!['reportId', 'goodQuantity', 'scrapQuantity'].includes(k)) throw new HttpError(400, `unknown field '${k}'`);
    const reportId = text(body, 'reportId', true);
    if (!ID.test(reportId)) throw new HttpError(400, 'reportId must be 1..64 characters of [A-Za-z0-9_.:/-]');
    const good = reportQuantity(body.goodQuantity, 'goodQuantity');
    const scrap = reportQuantity(body.scrapQuantity, 'scrapQuantity');
    const sequence = Number(rawSequence);
    const booked = this.reports.get(reportId);
    if (booked) {
      if (booked.jobOrderId !== jobOrderId || booked.sequence !== sequence || booked.goodQuantity !== good || booked.scrapQuantity !== scrap) {
        throw new HttpError(409, `report ${reportId} was already booked with other content`);
      }
      return { status: 200, answer: { ...booked, duplicate: true } };
    }
    const job = this.store.jobOrders.get(jobOrderId);
    if (!job) throw new HttpError(404, `no work order '${jobOrderId}'`);
    const segment = job.segments.find((s) => s.sequence === sequence);
    if (!segment) throw new HttpError(404, `work order ${jobOrderId} has no operation ${rawSequence}`);
    if (job.status === 'COMPLETED' || job.status === 'CANCELLED') throw new HttpError(409, `work order ${jobOrderId} is ${job.status}`);
    const { eventIds } = this.floor.reportAt(job, segment, good, scrap);
    const answer: ReportAnswer = {
      reportId,
      jobOrderId,
      sequence,
      goodQuantity: good,
      scrapQuantity: scrap,
      segment: { goodQuantity: segment.goodQuantity, scrapQuantity: segment.scrapQuantity, status: segment.status },
      eventIds,
      duplicate: false,
    };
    this.reports.set(reportId, answer);
    return { status: 201, answer };
  }

  /** The named equipment, or the first of the work center at the site: the MES dispatches, not the ERP. */
  private equipmentFor(site: string, equipmentId: string | undefined, workCenter: string | undefined, i: number): string {
    if (equipmentId !== undefined) {
      if (!this.store.equipment.get(equipmentId)) throw new HttpError(400, `segments[${i}].equipmentId '${equipmentId}' does not exist`);
      return equipmentId;
    }
    if (workCenter === undefined) throw new HttpError(400, `segments[${i}] needs equipmentId or workCenter`);
    const candidates = this.store.equipment.lookup('workCenter', [workCenter]).filter((e) => e.site === site);
    const first = candidates[0];
    if (!first) throw new HttpError(400, `segments[${i}].workCenter '${workCenter}' has no equipment at site ${site}`);
    return first.id;
  }
}
