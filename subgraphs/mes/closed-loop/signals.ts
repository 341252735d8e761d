import { EventEmitter } from 'node:events';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../../lib/log.ts';
import { createRedisConnection } from '../../../lib/redis.ts';

/**
 * What the instances of the MES subgraph tell each other about the closed loop. Only one instance runs
 * the relay (it holds the lease), but any instance may take a confirmOperation call: it kicks the relay
 * wherever it runs, and waits for the entry's `settled` signal, which reaches it from whichever
 * instance settled the entry. Signals are hints for speed, never the record: a lost one only means a
 * waiter answers from the outbox when its CONFIRM_WAIT_MS is up, and the relay wakes on its idle timer.
 */
export interface LoopSignals {
  /** The entry settled (posted or failed). */
  settled(id: string): void;
  /** There is new work for the relay. */
  kick(): void;
  /** The relay's last delivery attempt failed (false) or succeeded again (true). */
  health(healthy: boolean): void;
  onSettled(fn: (id: string) => void): () => void;
  onKick(fn: () => void): () => void;
  onHealth(fn: (healthy: boolean) => void): () => void;
  close(): Promise<void>;
}

/** Signals within one process (no Redis: one instance is all there is). */
export function createLocalSignals(): LoopSignals {
  const emitter = new EventEmitter();
  // One listener per waiting confirmOperation call.
  emitter.setMaxListeners(0);
  const on = <A extends unknown[]>(event: string, fn: (...a: A) => void) => {
    emitter.on(event, fn as (...a: unknown[]) => void);
    return () => void emitter.off(event, fn as (...a: unknown[]) => void);
  };
  return {
    settled: (id) => void emitter.emit('settled', id),
    kick: () => void emitter.emit('kick'),
    health: (healthy) => void emitter.emit('health', healthy),
    onSettled: (fn) => on('settled', fn),
    onKick: (fn) => on('kick', fn),
    onHealth: (fn) => on('health', fn),
    close: async () => void emitter.removeAllListeners(),
  };
}

/**
 * Signals across instances over Redis pub/sub on one channel (`<prefix>:outbox:{confirmations}:signals`):
 * published on the closed loop's connection, received on a `listener` connection of its own (a
 * subscribed connection takes no other commands). Each signal is also delivered locally at once, so the
 * instance that settles an entry does not wait for the round trip.
 */
export function createRedisSignals(publisher: Redis | Cluster, url: string, prefix: string, log: Logger): LoopSignals {
  const channel = `${prefix}:outbox:{confirmations}:signals`;
  const local = createLocalSignals();
  const subscriber = createRedisConnection(url, 'listener');
  subscriber.on('error', (e: Error) => log.warn('redis error (closed-loop signals)', { err: e.message }));
  subscriber.subscribe(channel).catch((e: unknown) => log.warn('closed-loop signals: subscribe failed', { err: (e as Error).message }));
  subscriber.on('message', (_channel: string, message: string) => {
    if (message === 'kick') local.kick();
    else if (message.startsWith('settled:')) local.settled(message.slice('settled:'.length));
    else if (message === 'health:1' || message === 'health:0') local.health(message === 'health:1');
  });
  const publish = (message: string) => {
    publisher.publish(channel, message).catch(() => undefined);
  };
  return {
    settled(id) {
      local.settled(id);
      publish(`settled:${id}`);
    },
    kick() {
      local.kick();
      publish('kick');
    },
    health(healthy) {
      local.health(healthy);
      publish(`health:${healthy ? 1 : 0}`);
    },
    onSettled: local.onSettled,
    onKick: local.onKick,
    onHealth: local.onHealth,
    async close() {
      await local.close();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
