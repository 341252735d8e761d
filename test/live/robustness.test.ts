import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { admin, gql, redisEnv, startHub, TEST_REDIS_URL, type Hub } from '../support/hub.ts';
import { freePort } from '../support/processes.ts';
import { collect, metricValue, subscriptionsActive, until, wsClient, wsUrl, type Json } from '../support/live.ts';

/** A raw graphql-transport-ws connection, for what the graphql-ws client hides (pings, close codes, pausing). */
async function rawConnection(gateway: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(wsUrl(gateway), 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await new Promise<void>((resolve) =>
    ws.on('message', (m) => (JSON.parse(String(m)).type === 'connection_ack' ? resolve() : undefined)),
  );
  return { ws, closed };
}

describe('slow consumers and keep-alive', () => {
  let hub: Hub;
  let redis: Redis;
  beforeAll(async () => {
    // The flood subscription uses 2,000 aliases to make each event large: lift the alias and cost limits.
    hub = await startHub({
      env: { ...redisEnv('slow'), SUBSCRIPTION_QUEUE_LIMIT: '100', WS_KEEPALIVE_MS: '1000', MAX_QUERY_ALIASES: '5000', MAX_QUERY_COST: '1000000' },
    });
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await hub?.close();
  });

  /** Events straight into the stream, as the bridge writes them (the MES would be too slow to flood it). */
  async function flood(n: number): Promise<void> {
    const pipeline = redis.pipeline();
    for (let i = 0; i < n; i++) {
      const data = { type: 'EquipmentStateChanged', occurredAt: new Date().toISOString(), plant: '1000', mesEventId: 0, equipmentId: 'EQ-1000-01', previousState: 'IDLE', state: 'RUNNING' };
      pipeline.xadd(`${hub.config.cachePrefix}:events`, '*', 'type', data.type, 'data', JSON.stringify(data));
    }
    await pipeline.exec();
  }

  it('a connection that stops reading is closed with 4429 once its queue is full; others carry on', async () => {
    const healthy = wsClient(hub.gateway);
    const fast = collect(healthy, 'subscription { equipmentStateChanged { eventId state } }');
    const slow = await rawConnection(hub.gateway);
    // A payload of ~60 kB per event (aliases cost no federated read) fills the socket buffers soon.
    const fields = Array.from({ length: 2000 }, (_, i) => `a${i}: eventId`).join(' ');
    slow.ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { equipmentStateChanged { ${fields} } }` } }));
    await until(async () => (await subscriptionsActive(hub.gateway)) === 2);
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    let sent = 0;
    // Bursts well below the limit, each read in full by the healthy client before the next.
    while ((await metricValue(hub.gateway, 'hub_subscription_slow_closes_total')) === 0) {
      expect(sent, 'the slow connection was never closed').toBeLessThan(5000);
      await flood(50);
      sent += 50;
      await fast.waitFor(sent, 20_000);
    }
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await slow.closed).toBe(4429);
    expect(fast.errors).toEqual([]);
    await flood(1);
    await fast.waitFor(sent + 1);
    await until(async () => (await subscriptionsActive(hub.gateway)) === 1);
    await healthy.dispose();
  }, 60_000);

  it('keeps idle connections alive with WebSocket pings', async () => {
    const { ws } = await rawConnection(hub.gateway);
    const pinged = new Promise<void>((resolve) => ws.once('ping', () => resolve()));
    await pinged;
    ws.close();
  });
});

describe('Redis restart', () => {
  let hub: Hub;
  let redisProc: ChildProcess | undefined;
  let port: number;
  const startRedis = async () => {
    redisProc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' });
    const probe = new Redis(port, { lazyConnect: true, retryStrategy: () => 100 });
    probe.on('error', () => undefined);
    await until(async () => (await probe.ping().catch(() => '')) === 'PONG', 10_000, 'redis-server');
    probe.disconnect();
  };
  const stopRedis = async () => {
    const p = redisProc;
    if (!p || p.exitCode !== null) return;
    await new Promise((resolve) => (p.once('exit', resolve), p.kill('SIGKILL')));
  };
  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    hub = await startHub({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, CACHE_PREFIX: 'hub' } });
  });
  afterAll(async () => {
    await hub?.close();
    await stopRedis();
  });

  it('the gateway re-attaches to the stream and the bridge publishes again after Redis comes back', async () => {
    const list = (await gql(hub.gateway, '{ equipmentList(plant: "2000") { id state } }')).body.data!.equipmentList;
    const eq = list[0];
    const client = wsClient(hub.gateway);
    const sub = collect(client, 'subscription($id: ID) { equipmentStateChanged(id: $id) { eventId state equipment { id } } }', { id: eq.id });
    await until(async () => (await subscriptionsActive(hub.gateway)) === 1);
    await admin.equipmentState(hub.mesApi, { equipmentId: eq.id, state: 'DOWN' });
    await sub.waitFor(1);
    await stopRedis();
    await startRedis();
    await admin.equipmentState(hub.mesApi, { equipmentId: eq.id, state: 'IDLE' });
    await sub.waitFor(2, 30_000);
    expect(sub.events.map((e) => e.state)).toEqual(['DOWN', 'IDLE']);
    expect(sub.events[1].equipment.id).toBe(eq.id);
    await client.dispose();
  }, 60_000);
});

describe('without Redis', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ redis: false, env: { CACHE_PREFIX: `test-memory-${process.pid}` } });
  });
  afterAll(() => hub?.close());

  it('the in-memory bus carries events from the bridge to the gateway of the same process, with resume', async () => {
    const list = (await gql(hub.gateway, '{ equipmentList(plant: "1000") { id state } }')).body.data!.equipmentList;
    const eq = list[1];
    const client = wsClient(hub.gateway);
    const q = 'subscription($id: ID, $after: ID) { equipmentStateChanged(id: $id, after: $after) { eventId state equipment { name } } }';
    const sub = collect(client, q, { id: eq.id });
    await until(async () => (await subscriptionsActive(hub.gateway)) === 1);
    await admin.equipmentState(hub.mesApi, { equipmentId: eq.id, state: 'MAINTENANCE' });
    await admin.equipmentState(hub.mesApi, { equipmentId: eq.id, state: 'IDLE' });
    const [first] = await sub.waitFor(2);
    expect(first.equipment.name).toEqual(expect.any(String));
    const resumed = collect(client, q, { id: eq.id, after: first.eventId });
    const [again] = await resumed.waitFor(1);
    expect(again.state).toBe('IDLE');
    await client.dispose();
  });
});

describe('event retention', () => {
  let hub: Hub;
  let redis: Redis;
  beforeAll(async () => {
    hub = await startHub({ env: { ...redisEnv('retention'), EVENT_STREAM_MAXLEN: '100' } });
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await hub?.close();
  });

  it('resuming from an event the stream no longer keeps is refused with a clear error, not a silent gap', async () => {
    // Events go the way production events go (MES -> bridge -> stream), so the cap at work is the
    // hub's own EVENT_STREAM_MAXLEN (100 here), not a trim of the test's.
    const stream = `${hub.config.cachePrefix}:events`;
    const newestMesEventId = async () => {
      const [last] = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
      return last ? (JSON.parse(last[1][3]!) as { mesEventId: number }).mesEventId : -1;
    };
    const emit = async (i: number) => (await admin.equipmentState(hub.mesApi, { equipmentId: 'EQ-1000-01', state: i % 2 ? 'IDLE' : 'RUNNING' })).eventId;
    const firstMes = await emit(0);
    await until(async () => (await newestMesEventId()) >= firstMes, 10_000, 'the first event in the stream');
    const old = (await redis.xrange(stream, '-', '+', 'COUNT', 1))[0]![0];
    let lastMes = firstMes;
    for (let i = 1; i <= 300; i++) lastMes = await emit(i);
    await until(async () => (await newestMesEventId()) >= lastMes, 20_000, 'the last event in the stream');
    // MAXLEN ~ trims whole stream nodes (100 entries each), so a little more than 100 stay.
    expect(await redis.xlen(stream)).toBeLessThanOrEqual(200);
    const recent = (await redis.xrevrange(stream, '+', '-', 'COUNT', 10))[9]![0];

    const client = wsClient(hub.gateway);
    const expired = collect(client, 'subscription($after: ID) { equipmentStateChanged(after: $after) { eventId } }', { after: old });
    await until(() => expired.errors.length > 0, 10_000, 'the refusal');
    expect((expired.errors[0] as Json[])[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'after', reason: 'EVENTS_EXPIRED' });

    // A resume point the stream still holds replays exactly what came after it.
    const kept = collect(client, 'subscription($after: ID) { equipmentStateChanged(after: $after) { eventId } }', { after: recent });
    const events = await kept.waitFor(9);
    expect(kept.errors).toEqual([]);
    expect(events).toHaveLength(9);
    await client.dispose();
  });
});
