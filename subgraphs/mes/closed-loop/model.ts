import { createHash } from 'node:crypto';

/**
 * One confirmation of the closed loop, as the outbox keeps it. Stages, in order:
 * `mes` (queued; the MES report may or may not have happened) -> `erp` (booked in the MES; the ERP post
 * is due) -> `posted` | `failed` (settled, off the queue). Both writes are keyed by the entry's id (the
 * MES `reportId`, the ERP `ExternalReference`), so repeating a step after a crash books nothing twice.
 */
export interface ConfirmationEntry {
  id: string;
  stage: 'mes' | 'erp' | 'posted' | 'failed';
  workOrderId: string;
  operationSequence: number;
  /** The ERP order (hub id, no zeros). */
  erpOrder: string;
  /** ERP order unit. */
  goodQuantity: number;
  scrapQuantity: number;
  unit: string;
  /** The same quantities in the work order's (MES) unit. */
  mesGoodQuantity: number;
  mesScrapQuantity: number;
  externalReference: string;
  /** ERP posts tried; above 0 the relay asks the ERP first whether an earlier one got through. */
  attempts: number;
  erpConfirmationId: string | null;
  error: string | null;
  createdAt: string;
  postedAt: string | null;
}

/** Deterministic from the client's key, so a retry that finds no stored result still finds its entry. */
export function confirmationId(idempotencyKey: string): string {
  return `CF-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
}
