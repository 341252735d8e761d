import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * The one way the hub connects to Redis. Every connection is made for one use, and the use fixes how
 * it behaves while Redis is away (README, "Redis connections", lists them and counts them per process):
 *
 * - `cache`: fail fast. No offline queue, one retry, 500 ms per command: a query falls back to the
 *   system of record at once instead of waiting behind a dead connection.
 * - `limits`, `audit`: best effort. A reconnect of a second or two is bridged by the offline queue,
 *   then a command fails; the caller lets the request through / keeps the file copy of the record.
 * - `events`: the bridge's compare-and-append, replays, positions. Queued through a reconnect, then an
 *   error the caller sees: the bridge retries the same event until it is stored (never skipped).
 * - `outbox`: idempotency keys and the confirmation outbox. Queued through a reconnect, then an error:
 *   a write either completes or its caller is told (the mutation fails, the relay retries its step);
 *   nothing is dropped silently.
 * - `event-reader`, `listener`: a connection of their own, because a blocking XREAD or a SUBSCRIBE
 *   holds it. They wait for Redis as long as it takes and resume (ioredis resends and resubscribes).
 *
 * URLs: `redis://[user:pass@]host:port[/db]` (or `rediss://`) for one server;
 * `redis+cluster://[user:pass@]host1:port,host2:port` for a Redis Cluster (the nodes are seeds);
 * `redis+sentinel://[user:pass@]host1:port,host2:port/<master name>[/<db>]` for Sentinel (the
 * connection follows a failover to the new master; the password is the master's and the sentinels').
 * Multi-key operations must keep their keys in one slot (see the event bus's and outbox's hash tags).
 */
export type RedisUse = 'cache' | 'limits' | 'audit' | 'events' | 'outbox' | 'event-reader' | 'listener';

/** Reconnect forever, at most every 2 s: Redis coming back must never need a hub restart. */
const retryStrategy = (times: number) => Math.min(times * 200, 2000);

const POLICIES: Record<RedisUse, RedisOptions> = {
  cache: { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 },
  limits: { enableOfflineQueue: true, maxRetriesPerRequest: 1, commandTimeout: 1000 },
  audit: { enableOfflineQueue: true, maxRetriesPerRequest: 1, commandTimeout: 1000 },
  events: { enableOfflineQueue: true, maxRetriesPerRequest: 3 },
  outbox: { enableOfflineQueue: true, maxRetriesPerRequest: 3 },
  'event-reader': { enableOfflineQueue: true, maxRetriesPerRequest: null },
  listener: { enableOfflineQueue: true, maxRetriesPerRequest: null },
};

/** The policy a use gets (exported for the tests that hold the factory to it). */
export function redisPolicy(use: RedisUse): RedisOptions {
  // The name shows in CLIENT LIST, so an operator sees which piece holds which connection.
  return { ...POLICIES[use], retryStrategy, connectionName: `hub-${use}` };
}

interface ParsedUrl {
  kind: 'single' | 'cluster' | 'sentinel';
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  name?: string;
  db?: number;
}

/** Reads the hub's multi-host URL forms; a plain `redis://` URL is left to ioredis. */
export function parseRedisUrl(url: string): ParsedUrl {
  const m = /^redis\+(cluster|sentinel):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)(?:\/([^/]+))?(?:\/(\d+))?\/?$/.exec(url);
  if (!m) return { kind: 'single', nodes: [] };
  const [, kind, user, pass, hosts, name, db] = m;
  const defaultPort = kind === 'sentinel' ? 26379 : 6379;
  const nodes = hosts!.split(',').map((hp) => {
    const [host, port] = hp.split(':');
    return { host: host || '127.0.0.1', port: Number(port || defaultPort) };
  });
  if (kind === 'sentinel' && !name) throw new Error('REDIS_URL: a redis+sentinel:// URL names the master: redis+sentinel://host:26379/<master name>');
  const auth = { ...(user ? { username: decodeURIComponent(user) } : {}), ...(pass ? { password: decodeURIComponent(pass) } : {}) };
  return {
    kind: kind as 'cluster' | 'sentinel',
    nodes,
    ...auth,
    ...(name ? { name: decodeURIComponent(name) } : {}),
    ...(db ? { db: Number(db) } : {}),
  };
}

/** A new connection for `use`, with that use's policy (`extra` may add, e.g. auto-pipelining). */
export function createRedisConnection(url: string, use: RedisUse, extra: RedisOptions = {}): Redis | Cluster {
  const options = { ...redisPolicy(use), ...extra };
  const parsed = parseRedisUrl(url);
  const auth = { ...(parsed.username ? { username: parsed.username } : {}), ...(parsed.password ? { password: parsed.password } : {}) };
  if (parsed.kind === 'cluster') {
    const { enableOfflineQueue, ...perNode } = options;
    return new Cluster(parsed.nodes, {
      redisOptions: { ...perNode, ...auth },
      enableOfflineQueue: enableOfflineQueue ?? true,
      clusterRetryStrategy: retryStrategy,
      enableAutoPipelining: options.enableAutoPipelining ?? false,
    });
  }
  if (parsed.kind === 'sentinel') {
    return new Redis({
      ...options,
      ...auth,
      sentinels: parsed.nodes,
      name: parsed.name!,
      ...(parsed.password ? { sentinelPassword: parsed.password } : {}),
      ...(parsed.db !== undefined ? { db: parsed.db } : {}),
      sentinelRetryStrategy: retryStrategy,
    });
  }
  return new Redis(url, options);
}

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/**
 * Registers a Lua script on the connection once and answers a function calling it: ioredis sends
 * EVALSHA (the 40-byte hash, not the script text) and loads the text only when the server answers
 * NOSCRIPT (first call on a node, or after a Redis restart). Arguments: the keys first, then ARGV.
 */
export function defineScript(client: Redis | Cluster, name: string, numberOfKeys: number, lua: string): ScriptFn {
  client.defineCommand(name, { numberOfKeys, lua });
  // ioredis adds the command as a method of that name; its type cannot know the name.
  const fn = (client as unknown as Record<string, ScriptFn>)[name]!;
  return (...args) => fn.apply(client, args);
}
