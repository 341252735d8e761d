import type { Cluster, Redis } from 'ioredis';
import { badUserInput } from '../../../lib/errors.ts';

/**
 * Idempotency keys for the hub's writes: the first call under a key runs, every retry answers the
 * first call's result. Results live in Redis (shared by every instance of a subgraph, surviving a
 * restart) with a TTL; without Redis, in memory (one process, lost on restart: demo only).
 *
 * A key is first claimed with a short lease (SET NX PX), so two concurrent calls with the same key run
 * once: the second waits for the first's result. If the first dies mid-way, the lease runs out and a
 * retry takes over; the writes behind it are themselves keyed (MES report id, ERP ExternalReference,
 * MES job order externalReference), so taking over repeats nothing.
 */
export type Claim =
  | { state: 'new' }
  | { state: 'done'; result: unknown }
  | { state: 'busy' }
  | { state: 'conflict' };

export interface IdempotencyStore {
  /** Claims `key` for `leaseMs`, or tells what is already there. */
  claim(key: string, fingerprint: string, leaseMs: number): Promise<Claim>;
  /** Stores the result for the TTL. */
  finish(key: string, fingerprint: string, result: unknown): Promise<void>;
  /** Drops an unfinished claim, so that a retry runs again (the call failed with no side effect kept). */
  release(key: string): Promise<void>;
}

interface Stored {
  fp: string;
  done: boolean;
  result?: unknown;
}

export function createRedisIdempotencyStore(redis: Redis | Cluster, prefix: string, ttlSeconds: number): IdempotencyStore {
  const k = (key: string) => `${prefix}:idem:${key}`;
  return {
    async claim(key, fingerprint, leaseMs) {
      const claimed = await redis.set(k(key), JSON.stringify({ fp: fingerprint, done: false } satisfies Stored), 'PX', leaseMs, 'NX');
      if (claimed === 'OK') return { state: 'new' };
      const raw = await redis.get(k(key));
      // Expired between the two calls: the caller simply claims again.
      if (raw === null) return { state: 'busy' };
      const stored = JSON.parse(raw) as Stored;
      if (stored.fp !== fingerprint) return { state: 'conflict' };
      return stored.done ? { state: 'done', result: stored.result } : { state: 'busy' };
    },
    async finish(key, fingerprint, result) {
      await redis.set(k(key), JSON.stringify({ fp: fingerprint, done: true, result } satisfies Stored), 'EX', ttlSeconds);
    },
    async release(key) {
      await redis.del(k(key));
    },
  };
}

export function createMemoryIdempotencyStore(ttlSeconds: number, now: () => number = Date.now): IdempotencyStore {
  const entries = new Map<string, Stored & { expires: number }>();
  const live = (key: string) => {
    const e = entries.get(key);
    if (e && e.expires <= now()) entries.delete(key);
    return entries.get(key);
  };
  return {
    async claim(key, fingerprint, leaseMs) {
      const e = live(key);
      if (!e) {
        entries.set(key, { fp: fingerprint, done: false, expires: now() + leaseMs });
        return { state: 'new' };
      }
      if (e.fp !== fingerprint) return { state: 'conflict' };
      return e.done ? { state: 'done', result: e.result } : { state: 'busy' };
    },
    async finish(key, fingerprint, result) {
      entries.set(key, { fp: fingerprint, done: true, result, expires: now() + ttlSeconds * 1000 });
    },
    async release(key) {
      entries.delete(key);
    },
  };
}

export interface IdempotentOptions {
  /** How long a claim holds before another call may take over (longer than the slowest write). */
  leaseMs: number;
  /** How often a waiting duplicate looks for the first call's result. */
  pollMs?: number;
}

/** Keys come from clients: bounded and printable, so they are safe inside a Redis key. */
export function checkIdempotencyKey(key: string): void {
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw badUserInput('"idempotencyKey" must be 1..200 printable characters without spaces.', 'idempotencyKey');
  }
}

/**
 * Runs `fn` once per key. `fingerprint` is the call's input: the same key with other input is a client
 * bug and answers BAD_USER_INPUT rather than silently returning an unrelated result. When `fn` throws,
 * the claim is released so a corrected retry may run.
 */
export async function idempotent<T>(
  store: IdempotencyStore,
  key: string,
  fingerprint: string,
  fn: () => Promise<T>,
  opts: IdempotentOptions,
): Promise<T> {
  for (;;) {
    const claim = await store.claim(key, fingerprint, opts.leaseMs);
    if (claim.state === 'done') return claim.result as T;
    if (claim.state === 'conflict') throw badUserInput('This idempotencyKey was already used with other input.', 'idempotencyKey');
    if (claim.state === 'busy') {
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 25));
      continue;
    }
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      await store.release(key).catch(() => undefined);
      throw e;
    }
    await store.finish(key, fingerprint, result);
    return result;
  }
}
