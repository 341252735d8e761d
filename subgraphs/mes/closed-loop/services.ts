import type { IntegrityConfig } from '../../../lib/config.ts';
import type { ErpSource } from '../../erp/source.ts';
import type { MesSource } from '../source.ts';
import type { ErpWriter } from './erp-writer.ts';
import type { IdempotencyStore } from './idempotency.ts';
import type { WriteInvalidation } from './invalidation.ts';
import type { MesWriter } from './mes-writer.ts';
import type { ConfirmationEntry } from './model.ts';
import type { Outbox } from './outbox.ts';
import type { ConfirmationRelay } from './relay.ts';

/**
 * What reconciliation and the closed loop need, made once per process (subgraphs/mes/integrity.ts) and handed to
 * every request context. Each system appears twice: read-only and uncached (bulk reads for the plant-wide
 * join, fresh reads before a write) and as the writer the closed loop books through.
 */
export interface IntegrityServices {
  erp: ErpSource;
  erpWriter: ErpWriter;
  mes: MesSource;
  mesWriter: MesWriter;
  idempotency: IdempotencyStore;
  outbox: Outbox<ConfirmationEntry>;
  relay: ConfirmationRelay;
  config: IntegrityConfig;
  /** How long a write may hold its idempotency key before a retry takes over. */
  leaseMs: number;
  /** Drops the cached copies a write has made wrong (never throws: a write must not fail on the cache). */
  afterWrite: WriteInvalidation;
}

