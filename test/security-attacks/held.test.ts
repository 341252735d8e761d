import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../lib/auth/demo-tokens.ts';
import { gql, type Hub } from '../support/hub.ts';
import { wsUrl } from '../support/live.ts';
import { runOver, type GatewayProcess, withAttackGateway } from '../support/attack.ts';

/** What the first round of attacks found to hold; replayed here so that it keeps holding. */
const Q = '{ productionOrders(first: 1) { edges { node { id plannedCost material { standardCost } workOrders { operations { processParameters { name } } } } } } }';

async function forgeries(hub: Hub): Promise<Record<string, string>> {
  const good = await hub.token({ sub: 'pat', roles: ['operator'] });
  const [h, p, sig] = good.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  const raised = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return {
    'another key': await mintToken('another-secret-that-is-at-least-32-bytes!', 'erp-mes-hub', { sub: 'mallory', roles: ['admin'] }),
    'raised claims': `${h}.${raised}.${sig}`,
    'alg none': `${none}.${raised}.`,
    'other audience': await hub.token({ sub: 'ann', roles: ['admin'], audience: 'some-other-api' }),
    expired: await hub.token({ sub: 'ann', roles: ['admin'], expiresIn: -120 }),
    garbage: 'a.b.c',
  };
}

describe('attack: what already held, production mode, every transport', () => {
  let hub: Hub;
  let gw: GatewayProcess;
  withAttackGateway((h, g) => ((hub = h), (gw = g)));

  it('forged, raised, unsigned, foreign and expired tokens: 401 on POST, GET and SSE, 4401 on WebSocket', async () => {
    for (const [name, token] of Object.entries(await forgeries(hub))) {
      for (const transport of ['post', 'get', 'sse'] as const) {
        const r = await runOver(transport, gw, { query: Q }, { authorization: `Bearer ${token}` });
        expect(r.status, `${name} over ${transport}`).toBe(401);
        expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(r.data ?? undefined).toBeUndefined();
      }
      const ws = new WebSocket(wsUrl(gw.url), 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      expect(await closed, `${name} over ws`).toBe(4401);
    }
  });

  it('field scopes hold on every transport: each role reads exactly its restricted fields', async () => {
    const cases = [
      { roles: ['planner'], cost: false, params: false },
      { roles: ['finance'], cost: true, params: false },
      { roles: ['engineer'], cost: false, params: true },
    ];
    for (const transport of ['post', 'get', 'ws', 'sse'] as const) {
      for (const c of cases) {
        const r = await runOver(transport, gw, { query: Q }, await hub.as(c.roles));
        const node = r.data.productionOrders.edges[0].node;
        const label = `${c.roles[0]} over ${transport}`;
        expect(node.plannedCost === null, label).toBe(!c.cost);
        expect(node.material.standardCost === null, label).toBe(!c.cost);
        const params = node.workOrders.flatMap((w: { operations: { processParameters: unknown }[] }) => w.operations.map((o) => o.processParameters));
        if (params.length) expect(params.every((p: unknown) => p === null), label).toBe(!c.params);
        const forbidden = (r.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN');
        expect(forbidden.length > 0, label).toBe(!(c.cost && c.params));
      }
    }
  });

  it('the subgraphs answer nobody but the gateway: unsigned or self-signed calls get 401', async () => {
    for (const url of [hub.erpSubgraph, hub.mesSubgraph]) {
      const plain = await gql(url, Q);
      expect(plain.status).toBe(401);
      const faked = await gql(url, Q, undefined, { 'x-hub-caller': Buffer.from(JSON.stringify({ caller: { sub: 'x', scopes: ['*'] } })).toString('base64url'), 'x-hub-signature': 'v1=00' });
      expect(faked.status).toBe(401);
      expect(JSON.stringify(faked.body)).not.toContain('plannedCost":');
    }
  });

  it('injection strings as arguments find nothing and leak nothing, on every transport', async () => {
    const auth = await hub.as(['finance']);
    const query = 'query($id: ID!, $p: ID) { productionOrder(id: $id) { id } workOrder(id: $id) { id } productionOrders(plant: $p, first: 5) { totalCount } }';
    for (const transport of ['post', 'get', 'ws', 'sse'] as const) {
      for (const evil of ["x' or Plant ne 'x", "') or 1 eq 1 or ('", '../admin/faults', '1000045?$top=1000', '\u0000\n\r<script>']) {
        const r = await runOver(transport, gw, { query, variables: { id: evil, p: evil } }, auth);
        const text = JSON.stringify(r);
        expect(text, `${transport} ${evil}`).not.toMatch(/stack|127\.0\.0\.1|odata|api\/v1|TypeError/i);
        if (r.data) {
          expect(r.data.productionOrder).toBeNull();
          expect(r.data.workOrder).toBeNull();
          expect(r.data.productionOrders.totalCount).toBe(0);
        } else {
          expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        }
      }
    }
  });
});
