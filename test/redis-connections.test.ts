import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, parseRedisUrl } from '../lib/redis.ts';
import { createRedisOutbox } from '../subgraphs/mes/closed-loop/outbox.ts';
import { freePort } from './support/processes.ts';
import { startHub, uniquePrefix } from './support/hub.ts';
import { startOwnRedis, startRedisCluster, waitForRedis, type OwnRedis } from './support/redis-servers.ts';

const stats = async (r: Redis, cmd: string): Promise<number> => {
  const info = await r.info('commandstats');
  return Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
};

const entry = (id: string, stage = 'queued') => ({ id, stage });

/** A connection without offline queue refuses commands until it is connected. */
const ready = (c: Redis | Cluster) => (c.status === 'ready' ? Promise.resolve() : new Promise<void>((r) => c.once('ready', () => r())));

describe('Redis connections: one factory, one policy per use', () => {
  let own: OwnRedis;
  let url: string;
  beforeAll(async () => {
    own = await startOwnRedis();
    url = `redis://127.0.0.1:${own.port}`;
  });
  afterAll(async () => own?.stop());

  it('reads the cluster and sentinel URL forms, with credentials and database', () => {
    expect(parseRedisUrl('redis+cluster://a:7000,b:7001')).toMatchObject({ kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }] });
    expect(parseRedisUrl('redis+sentinel://u:p%40ss@s1,s2:26380/main/2')).toEqual({
      kind: 'sentinel',
      nodes: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }],
      username: 'u',
      password: 'p@ss',
      name: 'main',
      db: 2,
    });
    expect(() => parseRedisUrl('redis+sentinel://s1:26379')).toThrow(/master/);
  });

  it('sends the outbox scripts by hash: the script text crosses the wire once per script, also after a Redis restart', async () => {
    const admin = new Redis(url);
    const conn = createRedisConnection(url, 'outbox');
    conn.on('error', () => undefined);
    try {
      const outbox = createRedisOutbox(conn, 't', 'scripts', 60);
      const run = async (tag: string) => {
        for (let i = 0; i < 20; i++) {
          const e = entry(`${tag}-${i}`);
          expect(await outbox.add(e)).toBe(true);
          expect(await outbox.advance({ ...e, stage: 'next' }, 'queued')).toBe(true);
          expect(await outbox.settle({ ...e, stage: 'done' }, 'next')).toBe(true);
        }
      };
      await run('a');
      // 60 script calls: all but the first of each go by hash (a NOSCRIPT answer counts as a failed call).
      expect(await stats(admin, 'evalsha')).toBeGreaterThanOrEqual(57);
      // The first call of each script finds no cached script (NOSCRIPT) and sends the text once.
      expect(await stats(admin, 'eval')).toBeLessThanOrEqual(3);
      admin.disconnect();
      await own.stop();
      await own.restart();
      await run('b');
      const after = new Redis(url);
      expect(await stats(after, 'eval')).toBeLessThanOrEqual(3);
      expect(await after.llen('t:outbox:{scripts}:queue')).toBe(0);
      after.disconnect();
    } finally {
      admin.disconnect();
      conn.disconnect();
    }
  });

  it('a cache read fails at once while Redis is away; an outbox write either lands or tells its caller', async () => {
    const cache = createRedisConnection(url, 'cache');
    const durable = createRedisConnection(url, 'outbox');
    cache.on('error', () => undefined);
    durable.on('error', () => undefined);
    try {
      await Promise.all([ready(cache), durable.ping()]);
      const outbox = createRedisOutbox(durable, 't', 'policy', 60);
      await own.stop();
      // No offline queue: the command is refused at once (ioredis says why), it does not wait for a reconnect.
      await expect(cache.get('k')).rejects.toThrow(/enableOfflineQueue/);
      const write = outbox.add(entry('during-outage')).then(
        (ok) => ({ ok }),
        (e: Error) => ({ error: e.message }),
      );
      await own.restart();
      const outcome = await write;
      const check = new Redis(url);
      const stored = await check.get('t:outbox:{policy}:e:during-outage');
      check.disconnect();
      // Never "done" without the entry in Redis: a success means stored, anything else is an error.
      if ('ok' in outcome) expect({ ok: outcome.ok, stored: stored !== null }).toEqual({ ok: true, stored: true });
      else expect(outcome.error).toMatch(/.+/);
    } finally {
      cache.disconnect();
      durable.disconnect();
    }
  });

  it('names each connection after its use (CLIENT LIST shows who holds what)', async () => {
    const conn = createRedisConnection(url, 'event-reader');
    try {
      await conn.ping();
      expect(await (conn as Redis).client('GETNAME')).toBe('hub-event-reader');
    } finally {
      conn.disconnect();
    }
  });
});

describe('connections per process', () => {
  it('a hub (gateway with rate limit, ERP and MES subgraph) holds the connections the README lists, each named by its use', async () => {
    const own = await startOwnRedis();
    const hub = await startHub({ env: { REDIS_URL: `redis://127.0.0.1:${own.port}`, CACHE_PREFIX: uniquePrefix('conns'), RATE_LIMIT: '1000' } });
    const probe = new Redis(own.port, '127.0.0.1');
    try {
      const list = String(await probe.client('LIST'));
      const names = [...list.matchAll(/ name=(hub-[a-z-]+) /g)].map((m) => m[1]!);
      const count: Record<string, number> = {};
      for (const n of names) count[n] = (count[n] ?? 0) + 1;
      // gateway: events, event-reader, limits, cache (response cache); ERP subgraph: cache, audit; MES subgraph: cache, audit, events, outbox, listener.
      expect(count).toEqual({ 'hub-events': 2, 'hub-event-reader': 1, 'hub-limits': 1, 'hub-cache': 3, 'hub-audit': 2, 'hub-outbox': 1, 'hub-listener': 1 });
      expect(names).toHaveLength(11);
    } finally {
      probe.disconnect();
      await hub.close();
      await own.stop();
    }
  }, 60_000);
});

describe('Redis topologies', () => {
  it('runs the outbox on a Redis Cluster (its keys share one slot)', async () => {
    const cluster = await startRedisCluster();
    const conn = createRedisConnection(cluster.url, 'outbox');
    conn.on('error', () => undefined);
    try {
      const outbox = createRedisOutbox(conn, 't', 'cluster', 60);
      expect(await outbox.add(entry('c1'))).toBe(true);
      expect(await outbox.add(entry('c1'))).toBe(false);
      expect(await outbox.lease('me', 5000)).toBe(true);
      expect(await outbox.settle({ ...entry('c1'), stage: 'done' }, 'queued')).toBe(true);
      expect(await outbox.size()).toBe(0);
    } finally {
      conn.disconnect();
      await cluster.stop();
    }
  }, 60_000);

  it('connects through Sentinel to the master it names', async () => {
    const master = await startOwnRedis();
    const sentinelPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'hub-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, `port ${sentinelPort}\nbind 127.0.0.1\nsentinel monitor hubmaster 127.0.0.1 ${master.port} 1\n`);
    const sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const conn = createRedisConnection(`redis+sentinel://127.0.0.1:${sentinelPort}/hubmaster`, 'outbox');
    conn.on('error', () => undefined);
    try {
      await waitForRedis(sentinelPort);
      await conn.set('sentinel-key', 'v');
      const direct = new Redis(master.port, '127.0.0.1');
      expect(await direct.get('sentinel-key')).toBe('v');
      direct.disconnect();
      // Asked the sentinel, not told the port: the URL holds only the sentinel's address.
      expect((conn as Redis).options.port).not.toBe(master.port);
    } finally {
      conn.disconnect();
      sentinel.kill('SIGKILL');
      await master.stop();
    }
  }, 60_000);
});
