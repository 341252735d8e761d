import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../lib/auth/caller.ts';
import { gql, startHub, type Hub } from './support/hub.ts';
import { callerWith, signedPost } from './support/security.ts';

const BODY = { query: '{ productionOrders(first: 1) { edges { node { id plannedCost } } } }' };

describe('subgraphs trust only the gateway', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  it('a direct request without a signature gets 401 UNAUTHENTICATED, from both subgraphs', async () => {
    for (const url of [hub.erpSubgraph, hub.mesSubgraph]) {
      const res = await gql(url, '{ __typename }');
      expect(res.status).toBe(401);
      expect(res.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    }
    const get = await fetch(`${hub.erpSubgraph}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': '1' } });
    expect(get.status).toBe(401);
  });

  it('a request signed as the gateway signs it answers', async () => {
    const res = await signedPost(hub, hub.erpSubgraph, BODY, { caller: callerWith(['finance:read']) });
    expect(res.status).toBe(200);
    expect(res.json.data.productionOrders.edges[0].node.plannedCost).toEqual(expect.any(Number));
  });

  it('a replayed signature older than the window is refused', async () => {
    const res = await signedPost(hub, hub.erpSubgraph, BODY, { now: Date.now() - (hub.config.security.signatureWindowSeconds + 30) * 1000 });
    expect(res.status).toBe(401);
    expect(res.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
  });

  it('a captured signature cannot carry another body or raised scopes', async () => {
    const otherBody = await signedPost(hub, hub.erpSubgraph, BODY, { sendBody: JSON.stringify({ query: '{ plants { id } }' }) });
    expect(otherBody.status).toBe(401);
    const raised = await signedPost(hub, hub.erpSubgraph, BODY, {
      override: { 'x-hub-caller': encodeEnvelope({ caller: callerWith(['*', 'finance:read'], 'mallory') }) },
    });
    expect(raised.status).toBe(401);
    expect(JSON.stringify(raised.json)).not.toMatch(/plannedCost"\s*:\s*\d/);
  });

  it('the gateway itself signs: queries through it and its /ready probe work', async () => {
    const ready = await fetch(new URL('/ready', hub.gateway));
    expect(await ready.json()).toMatchObject({ subgraphs: { erp: true, mes: true } });
    const res = await gql(hub.gateway, '{ productionOrders(first: 2) { edges { node { id progress workOrders { id } } } } }');
    expect(res.body.errors).toBeUndefined();
  });
});

describe('SUBGRAPH_SIGNING=off (benchmarks, conformance runs)', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: { SUBGRAPH_SIGNING: 'off' } });
  });
  afterAll(() => hub?.close());

  it('any client may call a subgraph directly; restricted fields still need a scope', async () => {
    const res = await gql(hub.erpSubgraph, BODY.query);
    expect(res.status).toBe(200);
    expect(res.body.data!.productionOrders.edges[0].node.plannedCost).toBeNull();
    expect(res.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const viaGateway = await gql(hub.gateway, BODY.query, undefined, await hub.as(['finance']));
    expect(viaGateway.body.data!.productionOrders.edges[0].node.plannedCost).toEqual(expect.any(Number));
  });
});
