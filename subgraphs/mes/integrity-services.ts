import type { IntegrityConfig } from '../../lib/config.ts';
import type { IdempotencyStore } from '../../lib/idempotency.ts';
import type { Outbox } from '../../lib/outbox.ts';
import type { ErpWriter } from '../erp/odata-writes.ts';
import type { ErpSource } from '../erp/source.ts';
import type { MesWriteSource } from './rest-writes.ts';
import type { ConfirmationEntry } from './writes/model.ts';
import type { ConfirmationRelay } from './writes/relay.ts';

/**
 * What reconciliation and the closed loop need, made once per process (integrity.ts) and handed to
 * every request context. The ERP appears here read-only (ErpSource, bulk reads for the plant-wide join)
 * and as the writer the relay posts through.
 */
export interface IntegrityServices {
  erp: ErpSource;
  erpWriter: ErpWriter;
  mes: MesWriteSource;
  idempotency: IdempotencyStore;
  outbox: Outbox<ConfirmationEntry>;
  relay: ConfirmationRelay;
  config: IntegrityConfig;
  /** How long a write may hold its idempotency key before a retry takes over. */
  leaseMs: number;
  /** Drops the cached copies a write has made wrong (never throws: a write must not fail on the cache). */
  afterWrite: WriteInvalidation;
}

export interface WriteInvalidation {
  erpOrder(orderId: string): Promise<void>;
  mesJobs(erpOrder: string, jobIds: readonly string[]): Promise<void>;
}
