import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { admin, type Hub } from '../support/hub.ts';
import { until, wsUrl, type Json } from '../support/live.ts';
import { runOver, TRANSPORTS, watch, HEALTH_BOUND_MS, type GatewayProcess, withAttackGateway } from '../support/attack.ts';

/** A raw graphql-transport-ws socket: every message and the close frame are kept for assertions. */
async function rawSocket(gw: GatewayProcess, authorization: string) {
  const ws = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
  const messages: Json[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('message', (m) => messages.push(JSON.parse(String(m))));
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
  await until(() => messages.some((m) => m.type === 'connection_ack'), 10_000, 'connection_ack');
  const send = (id: string, query: string) => ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
  const of = (id: string) => messages.filter((m) => m.id === id);
  return { ws, messages, closed, send, of, isOpen: () => ws.readyState === WebSocket.OPEN };
}

describe('attack: connections, production mode', () => {
  let hub: Hub;
  let gw: GatewayProcess;
  withAttackGateway((h, g) => ((hub = h), (gw = g)));

  it('a failing operation over WebSocket answers with its own errors; the socket and its subscription live on', async () => {
    const s = await rawSocket(gw, (await hub.as(['planner'])).authorization!);
    s.send('live', 'subscription { equipmentStateChanged { eventId state } }');
    // FORBIDDEN in a result, introspection refused (validation), a parse error, an unknown operation.
    s.send('forbidden', '{ productionOrders(first: 1) { edges { node { id plannedCost } } } }');
    s.send('introspection', '{ __schema { types { name } } }');
    s.send('parse', '{ productionOrders(');
    await until(() => ['forbidden', 'introspection', 'parse'].every((id) => s.of(id).some((m) => m.type === 'complete' || m.type === 'error')), 15_000, 'answers');
    const forbidden = s.of('forbidden').find((m) => m.type === 'next');
    expect(forbidden.payload.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(forbidden.payload.data.productionOrders.edges[0].node.id).toBeTruthy();
    expect(s.of('introspection').find((m) => m.type === 'error' || m.type === 'next')).toBeDefined();
    expect(s.of('parse').find((m) => m.type === 'error').payload[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(s.isOpen()).toBe(true);
    // The subscription opened before the failures still delivers.
    await until(async () => {
      await admin.equipmentState(hub.mesApi, { equipmentId: 'EQ-1000-01', state: s.of('live').length % 2 ? 'IDLE' : 'DOWN' });
      return s.of('live').some((m) => m.type === 'next');
    }, 15_000, 'an event after the failures');
    expect(s.of('live').find((m) => m.type === 'next').payload.data.equipmentStateChanged.eventId).toBeTruthy();
    s.ws.close();
  });

  const prototypeRoles = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
  for (const transport of TRANSPORTS) {
    it(`${transport}: role names like constructor and __proto__ grant nothing and break nothing`, async () => {
      const token = await hub.token({ sub: 'proto', roles: prototypeRoles });
      const r = await runOver(transport, gw, { query: '{ productionOrders(first: 1) { edges { node { id plannedCost } } } }' }, { authorization: `Bearer ${token}` });
      if (r.status !== undefined) expect(r.status).toBe(200);
      expect(r.data.productionOrders.edges[0].node.id).toBeTruthy();
      expect(r.data.productionOrders.edges[0].node.plannedCost).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(r)).not.toMatch(/TypeError|is not iterable|is not a function/);
    });
  }

  it('a WebSocket ends with 4440 when its token expires; an SSE stream ends with UNAUTHENTICATED (expired)', async () => {
    const token = await hub.token({ sub: 'short-lived', roles: ['finance'], expiresIn: 1 });
    const s = await rawSocket(gw, `Bearer ${token}`);
    s.send('live', 'subscription { equipmentStateChanged { eventId } }');
    const sse = fetch(`${gw.base}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'subscription { equipmentStateChanged { eventId } }' }),
    }).then((res) => res.text());
    // exp + the 5 s clock tolerance the token check grants.
    const closed = await Promise.race([s.closed, new Promise<undefined>((r) => setTimeout(r, 20_000))]);
    expect(closed).toEqual({ code: 4440, reason: 'Token expired' });
    const text = await sse;
    const last = /data: (\{.*\})\s*$/m.exec(text.split('event: complete')[0]!.trim())?.[1];
    expect(JSON.parse(last!).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
    expect(text).toContain('event: complete');
  }, 40_000);

  it('a new connection with an expired token is refused with 4401 on WebSocket and 401 on every HTTP transport', async () => {
    const token = await hub.token({ sub: 'late', roles: ['finance'], expiresIn: -60 });
    for (const transport of ['post', 'get', 'sse'] as const) {
      const r = await runOver(transport, gw, { query: '{ __typename }' }, { authorization: `Bearer ${token}` });
      expect(r.status).toBe(401);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
    }
    const ws = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    expect((await closed).code).toBe(4401);
  });

  it('a thousand garbage WebSocket messages neither crash the gateway nor leak internal text in close reasons', async () => {
    const w = await watch(gw, async () => {
      const reasons: string[] = [];
      for (const garbage of ['not json', '{"type":"subscribe"}', '{"type":"connection_init","payload":[]}', JSON.stringify({ type: 'next', id: 1 })]) {
        const ws = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
        const closed = new Promise<string>((resolve) => ws.on('close', (_c, reason) => resolve(String(reason))));
        await new Promise((resolve) => ws.once('open', resolve));
        for (let i = 0; i < 250; i++) ws.send(garbage);
        reasons.push(await closed);
      }
      return reasons;
    });
    for (const reason of w.result) expect(reason).not.toMatch(/TypeError|at .*\.js|Cannot read/);
    expect(w.alive).toBe(true);
    expect(w.maxHealthMs).toBeLessThan(HEALTH_BOUND_MS);
  });
});
