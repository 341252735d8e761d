/**
 * The closed loop, assembled once per process: idempotency keys and the confirmation outbox (Redis, or
 * memory in the demo), the two systems' writers and the relay that works the outbox. Its mutations are
 * in resolvers.ts; the flow of one confirmation is in confirm.ts and relay.ts.
 */
import type { HubConfig } from '../../../lib/config.ts';
import type { JsonClient } from '../../../lib/http-client.ts';
import { createRedisConnection } from '../../../lib/redis.ts';
import type { Logger } from '../../../lib/log.ts';
import { createODataErpWriter, type ErpWriter } from './erp-writer.ts';
import { createMemoryIdempotencyStore, createRedisIdempotencyStore, type IdempotencyStore } from './idempotency.ts';
import type { WriteInvalidation } from './invalidation.ts';
import { createRestMesWriter, type MesWriter } from './mes-writer.ts';
import type { ConfirmationEntry } from './model.ts';
import { createMemoryOutbox, createRedisOutbox, type Outbox } from './outbox.ts';
import { ConfirmationRelay } from './relay.ts';
import { createLocalSignals, createRedisSignals } from './signals.ts';

export interface ClosedLoop {
  erpWriter: ErpWriter;
  mesWriter: MesWriter;
  idempotency: IdempotencyStore;
  outbox: Outbox<ConfirmationEntry>;
  relay: ConfirmationRelay;
  /** How long a write may hold its idempotency key before a retry takes over. */
  leaseMs: number;
  stop(): Promise<void>;
}

export function createClosedLoop(
  config: HubConfig,
  deps: { log: Logger; erpClient: JsonClient; mesClient: JsonClient; afterWrite: WriteInvalidation },
): ClosedLoop {
  const { log } = deps;
  const ttl = config.integrity;
  // One connection for keys and outbox, with the `outbox` policy: a write completes or its caller is told.
  const redis = config.redisUrl ? createRedisConnection(config.redisUrl, 'outbox') : undefined;
  redis?.on('error', (e: Error) => log.warn('redis error (closed loop)', { err: e.message }));
  if (!redis) log.warn('REDIS_URL unset: idempotency keys and the confirmation outbox are in memory (lost on restart; demo only)');
  const outbox = redis
    ? createRedisOutbox<ConfirmationEntry>(redis, config.cachePrefix, 'confirmations', ttl.outboxRetentionSeconds)
    : createMemoryOutbox<ConfirmationEntry>(ttl.outboxRetentionSeconds);
  const idempotency = redis
    ? createRedisIdempotencyStore(redis, config.cachePrefix, ttl.idempotencyTtlSeconds)
    : createMemoryIdempotencyStore(ttl.idempotencyTtlSeconds);
  const mesWriter = createRestMesWriter(deps.mesClient);
  const erpWriter = createODataErpWriter(deps.erpClient);
  // A write holds its key for three upstream timeouts (read, MES write, ERP read) before a retry may
  // take over; the relay's lease outlasts a step (look-up and post) the same way.
  const leaseMs = config.upstreamTimeoutMs * 3 + 1000;
  const signals = redis ? createRedisSignals(redis, config.redisUrl!, config.cachePrefix, log) : createLocalSignals();
  const relay = new ConfirmationRelay(
    outbox,
    mesWriter,
    erpWriter,
    deps.afterWrite,
    log,
    {
      maxBackoffMs: ttl.relayMaxBackoffMs,
      graceMs: config.upstreamTimeoutMs + 1000,
      leaseMs,
      idleMs: 1000,
    },
    signals,
  );
  relay.start();
  return {
    erpWriter,
    mesWriter,
    idempotency,
    outbox,
    relay,
    leaseMs,
    async stop() {
      await relay.stop();
      await signals.close();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
