import { badUserInput, UpstreamError, UpstreamRejectedError } from '../../../lib/errors.ts';
import { roundQuantity } from '../../../lib/units.ts';
import type { ErpOrder } from '../../erp/source.ts';
import type { ConfirmOperationInput } from '../generated.ts';
import type { MaterialMapping } from '../mapping.ts';
import type { MesSource } from '../source.ts';
import { checkIdempotencyKey, idempotent } from './idempotency.ts';
import { confirmationId, type ConfirmationEntry } from './model.ts';
import type { IntegrityServices } from './services.ts';

/** ERP statuses that take confirmations (the demo ERP's rule; a real ERP says the same by refusing). */
const CONFIRMABLE = new Set(['RELEASED', 'PARTIALLY_CONFIRMED', 'CONFIRMED', 'TECHNICALLY_COMPLETED']);

/** Above this many queued confirmations a caller would only wait in line: it gets PENDING at once. */
const WAIT_BACKLOG = 50;

function checkQuantity(q: number, name: string): void {
  if (!Number.isFinite(q) || q < 0) throw badUserInput(`"${name}" must be a non-negative number.`, name);
}

/** The ERP order, or undefined when the ERP cannot answer now (the confirmation then waits in the outbox). */
async function erpOrderOrDown(svc: IntegrityServices, id: string): Promise<ErpOrder | null | undefined> {
  try {
    return (await svc.erp.ordersByIds([id]))[0] ?? null;
  } catch (e) {
    if (e instanceof UpstreamError) return undefined;
    throw e;
  }
}

/** Validates, queues the entry, books the MES report; the relay posts to the ERP. Returns the entry id. */
async function record(svc: IntegrityServices, source: MesSource, mapping: MaterialMapping, input: ConfirmOperationInput): Promise<string> {
  const id = confirmationId(input.idempotencyKey);
  // A retry after a crash (its stored result lost with the lease) finds the entry the first call queued.
  if (await svc.outbox.get(id)) return id;
  const job = (await source.jobOrdersByIds([input.workOrderId]))[0];
  if (!job) throw badUserInput(`Work order ${input.workOrderId} does not exist.`, 'workOrderId');
  if (!job.segments.some((s) => s.sequence === input.operationSequence)) {
    throw badUserInput(`Work order ${job.id} has no operation ${input.operationSequence}.`, 'operationSequence');
  }
  if (job.status === 'COMPLETED' || job.status === 'CANCELLED') throw badUserInput(`Work order ${job.id} is ${job.status}.`, 'workOrderId');
  const order = await erpOrderOrDown(svc, job.erpOrder);
  if (order === null) throw badUserInput(`The ERP has no order ${job.erpOrder} for work order ${job.id}.`, 'workOrderId');
  if (order && !CONFIRMABLE.has(order.status)) throw badUserInput(`ERP order ${order.id} is ${order.status}: it takes no confirmations.`, 'workOrderId');
  // With the ERP down, the order unit is taken from the mapping row (the ERP material's base unit).
  const conv = mapping.conversion(job.materialCode, job.unit, order?.unit, order?.materialId);
  if (!conv.ok) {
    throw badUserInput(`Work order ${job.id}: ${conv.reason === 'UNMAPPED_MATERIAL' ? 'its material is not mapped to the ERP' : 'its unit has no conversion to the ERP unit'}; fix the master data first.`, 'workOrderId');
  }
  const entry: ConfirmationEntry = {
    id,
    stage: 'mes',
    workOrderId: job.id,
    operationSequence: input.operationSequence,
    erpOrder: job.erpOrder,
    goodQuantity: input.goodQuantity,
    scrapQuantity: input.scrapQuantity,
    unit: conv.unit,
    mesGoodQuantity: roundQuantity(input.goodQuantity / conv.factor),
    mesScrapQuantity: roundQuantity(input.scrapQuantity / conv.factor),
    externalReference: `${job.id}/${input.operationSequence}/${id}`,
    attempts: 0,
    erpConfirmationId: null,
    error: null,
    createdAt: new Date().toISOString(),
    postedAt: null,
  };
  // The outbox entry comes first: from here on, whatever happens, the relay finishes what is left.
  if (!(await svc.outbox.add(entry))) return id;
  try {
    await svc.mesWriter.report(job.id, input.operationSequence, { reportId: id, goodQuantity: entry.mesGoodQuantity, scrapQuantity: entry.mesScrapQuantity });
    await svc.outbox.advance({ ...entry, stage: 'erp' }, 'mes');
    await svc.afterWrite.mesJobs(job.erpOrder, [job.id]);
  } catch (e) {
    if (e instanceof UpstreamRejectedError) {
      await svc.outbox.settle({ ...entry, stage: 'failed', error: `the MES refused the report (${e.status})` }, 'mes');
    } else if (!(e instanceof UpstreamError)) throw e;
    // MES unavailable: the entry stays in stage `mes` and the relay repeats the (keyed) report.
  }
  svc.relay.kick();
  return id;
}

/**
 * confirmOperation: one call books the operation's good and scrap in the MES and, through the outbox, in
 * the ERP. Answers POSTED when the ERP took it within CONFIRM_WAIT_MS, PENDING while it waits, FAILED when
 * a system refused it. A retry with the same idempotencyKey answers the same confirmation.
 */
export async function confirmOperation(
  svc: IntegrityServices,
  ctx: { source: MesSource; mapping: MaterialMapping },
  input: ConfirmOperationInput,
): Promise<ConfirmationEntry> {
  checkIdempotencyKey(input.idempotencyKey);
  checkQuantity(input.goodQuantity, 'goodQuantity');
  checkQuantity(input.scrapQuantity, 'scrapQuantity');
  if (input.goodQuantity === 0 && input.scrapQuantity === 0) throw badUserInput('Nothing to confirm: both quantities are 0.', 'goodQuantity');
  const { idempotencyKey, ...rest } = input;
  const fingerprint = JSON.stringify(['confirm', rest.workOrderId, rest.operationSequence, rest.goodQuantity, rest.scrapQuantity]);
  const id = await idempotent(svc.idempotency, `confirm:${idempotencyKey}`, fingerprint, () => record(svc, ctx.source, ctx.mapping, input), { leaseMs: svc.leaseMs });
  let entry = await svc.outbox.get(id);
  // Waiting is worth it only when the ERP answers and the queue ahead is short; else PENDING at once.
  if (entry && (entry.stage === 'mes' || entry.stage === 'erp') && svc.relay.healthy && svc.config.confirmWaitMs > 0 && (await svc.outbox.size()) <= WAIT_BACKLOG) {
    await svc.relay.waitFor(id, svc.config.confirmWaitMs, async () => {
      const now = await svc.outbox.get(id);
      return !now || now.stage === 'posted' || now.stage === 'failed';
    });
    entry = await svc.outbox.get(id);
  }
  if (!entry) throw badUserInput('This idempotencyKey names a confirmation past its retention time.', 'idempotencyKey');
  return entry;
}
