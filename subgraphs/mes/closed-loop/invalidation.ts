import type { EntityCache } from '../../../lib/cache/index.ts';
import type { Logger } from '../../../lib/log.ts';

/** Drops the cached copies a write has made wrong (never throws: a write must not fail on the cache). */
export interface WriteInvalidation {
  erpOrder(orderId: string): Promise<void>;
  mesJobs(erpOrder: string, jobIds: readonly string[]): Promise<void>;
}

/**
 * What the closed loop's writes make stale in the entity caches: the ERP order with its confirmations
 * and operations, the MES work orders. With Redis the ERP subgraph reads
 * the same keys, so it sees a posted confirmation at once instead of after the order TTL; with the
 * in-memory cache each process has its own and only the TTL helps.
 */
export function cacheInvalidation(caches: { erp: EntityCache; mes: EntityCache } | undefined, log: Logger): WriteInvalidation {
  const quietly = (work: Promise<unknown>[]) =>
    Promise.all(work).then(() => undefined, (e: unknown) => log.warn('cache invalidation after a write failed', { err: (e as Error).message }));
  return {
    erpOrder: (id) =>
      // Cached list pages (`orders`) are left to their short TTL: purging them is a keyspace scan per write.
      quietly(caches ? [caches.erp.invalidate('order', [id]), caches.erp.invalidate('confirmations', [id]), caches.erp.invalidate('routing', [id])] : []),
    mesJobs: (erpOrder, ids) => quietly(caches ? [caches.mes.invalidate('job', ids), caches.mes.invalidate('jobsByOrder', [erpOrder])] : []),
  };
}
