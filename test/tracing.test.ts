import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../lib/auth/demo-tokens.ts';
import { admin, gql, redisEnv, dropPrefix, TEST_REDIS_URL } from './support/hub.ts';
import { collect, until, wsClient, type Json } from './support/live.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp.ts';
import { freePort, startProcess, waitFor, type Proc } from './support/processes.ts';

const QUERY = 'query Traced { productionOrders(first: 3) { edges { node { id plannedQuantity material { description } workOrders { id status } } } } }';

/** The processes as an operator runs them, exporting traces to the test's OTLP receiver. */
describe.each([
  ['demo', {}],
  ['production', { NODE_ENV: 'production' }],
] as const)('traces across the hub\'s processes, %s mode', (_mode, modeEnv: Record<string, string>) => {
  const procs: Proc[] = [];
  let receiver: OtlpReceiver;
  let gateway: string;
  let mesApi: string;
  let headers: Record<string, string> = {};
  const redis = redisEnv('trace');

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const [erpApi, mesPort, erpSub, mesSub, gw] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const secret = randomBytes(32).toString('base64url');
    const env = {
      ...redis,
      ...modeEnv,
      ERP_API_PORT: String(erpApi),
      MES_API_PORT: String(mesPort),
      ERP_API_URL: `http://127.0.0.1:${erpApi}`,
      MES_API_URL: `http://127.0.0.1:${mesPort}`,
      ERP_SUBGRAPH_PORT: String(erpSub),
      MES_SUBGRAPH_PORT: String(mesSub),
      GATEWAY_PORT: String(gw),
      MES_SIMULATE: 'off',
      SUBGRAPH_SIGNING_SECRET: secret,
      JWT_SECRET: secret,
      AUDIT_LOG: 'off',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    // The demo systems stand in for a plant's ERP and MES: they run as in the demo whatever the hub's mode.
    for (const script of ['start:erp-api', 'start:mes-api']) procs.push(startProcess('npm', ['run', '--silent', script], { ...env, NODE_ENV: '' }));
    for (const script of ['start:erp', 'start:mes', 'start:gateway']) procs.push(startProcess('npm', ['run', '--silent', script], env));
    gateway = `http://127.0.0.1:${gw}/graphql`;
    mesApi = `http://127.0.0.1:${mesPort}`;
    await waitFor(`http://127.0.0.1:${gw}/ready`, 90_000);
    if (modeEnv.NODE_ENV) {
      headers = { authorization: `Bearer ${await mintToken(secret, 'erp-mes-hub', { sub: 'tracer', roles: ['planner'] })}` };
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await receiver?.close();
    await dropPrefix(TEST_REDIS_URL, redis.CACHE_PREFIX);
  });

  const inTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  const byId = (spans: ReceivedSpan[]) => new Map(spans.map((s) => [s.spanId, s]));
  /** The chain of services from a span up to the root of its trace. */
  const ancestry = (span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] => {
    const ids = byId(spans);
    const chain = [span];
    for (let p = span.parentSpanId; p && ids.has(p); p = ids.get(p)!.parentSpanId) chain.push(ids.get(p)!);
    return chain;
  };

  it('one query\'s trace holds gateway, subgraph and system spans, continuing the caller\'s traceparent', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const res = await gql(gateway, QUERY, undefined, { ...headers, traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(res.body.errors).toBeUndefined();

    // Wait for the three services' spans, and for calls to both systems.
    await until(() => {
      const spans = inTrace(traceId);
      return spans.some((x) => x.service === 'gateway' && x.name === 'POST /graphql') &&
        ['erp-subgraph', 'mes-subgraph'].every((s) => spans.some((x) => x.service === s && x.name === 'POST /graphql')) &&
        spans.some((x) => x.attributes['hub.system'] === 'erp') && spans.some((x) => x.attributes['hub.system'] === 'mes');
    }, 20_000, 'spans of all three services');
    const spans = inTrace(traceId);
    const ids = byId(spans);

    const root = spans.find((s) => s.service === 'gateway' && s.name === 'POST /graphql')!;
    expect(root.parentSpanId).toBe(callerSpan);
    expect(spans.some((s) => s.service === 'gateway' && s.name === 'gateway.fetch')).toBe(true);

    for (const system of ['erp', 'mes'] as const) {
      const call = spans.find((s) => s.attributes['hub.system'] === system)!;
      expect(call.service).toBe(`${system}-subgraph`);
      const chain = ancestry(call, spans);
      // system call -> ... -> subgraph server span -> gateway fetch span -> ... -> gateway server span
      const server = chain.find((s) => s.service === `${system}-subgraph` && s.name === 'POST /graphql');
      expect(server).toBeDefined();
      expect(ids.get(server!.parentSpanId!)?.service).toBe('gateway');
      expect(ids.get(server!.parentSpanId!)?.name).toBe('gateway.fetch');
      expect(chain.at(-1)).toBe(root);
    }
  });

  it('an MES event\'s trace runs from its publish through the gateway to the subscriber\'s federated read', async () => {
    const list = (await gql(gateway, '{ equipmentList(plant: "1000") { id state } }', undefined, headers)).body.data!.equipmentList as Json[];
    const eq = list.find((e) => e.state !== 'DOWN')!;
    const client = wsClient(gateway, headers.authorization ? { authorization: headers.authorization } : undefined);
    const sub = collect(client, 'subscription($id: ID) { equipmentStateChanged(id: $id) { eventId state equipment { id name workCenter } } }', { id: eq.id });
    try {
      // Subscribed once the gateway counts it (its /metrics); then the MES changes the state.
      await until(async () => /^hub_subscriptions_active\{[^}]*\} 1/m.test(await (await fetch(new URL('/metrics', gateway), { headers })).text()), 15_000, 'subscription');
      await admin.equipmentState(mesApi, { equipmentId: eq.id, state: 'DOWN' });
      const [event] = await sub.waitFor(1);
      expect(event.equipment.name).toEqual(expect.any(String));

      let delivered: ReceivedSpan | undefined;
      await until(() => {
        delivered = receiver.spans.find((s) => s.service === 'gateway' && s.name === 'hub.subscription equipmentStateChanged');
        return !!delivered && inTrace(delivered.traceId).some((s) => s.attributes['hub.system'] === 'mes');
      }, 20_000, 'the event path spans');
      const spans = inTrace(delivered!.traceId);
      const publish = spans.find((s) => s.name === 'hub.event publish EquipmentStateChanged')!;
      expect(publish.service).toBe('mes-subgraph');
      expect(delivered!.parentSpanId).toBe(publish.spanId);
      const read = spans.find((s) => s.attributes['hub.system'] === 'mes')!;
      expect(ancestry(read, spans)).toContain(delivered);
    } finally {
      sub.dispose();
      await client.dispose();
      await admin.equipmentState(mesApi, { equipmentId: eq.id, state: eq.state }).catch(() => undefined);
    }
  });
});
