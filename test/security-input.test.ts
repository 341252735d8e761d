import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { odataString } from '../subgraphs/erp/odata-source.ts';
import { admin, getJson, gql, startHub, type Hub } from './support/hub.ts';

const INJECTION = "') or 1 eq 1 or ('";
/** Widens `Plant eq '<value>'` to every order when pasted in unescaped. */
const WIDENING = "x' or Plant ne 'x";

describe('input safety', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  it('an OData injection string as a plant reaches the ERP as one literal and finds nothing', async () => {
    await admin.resetStats(hub.erpApi);
    const res = await gql(hub.gateway, 'query($p: ID) { productionOrders(plant: $p, first: 5) { totalCount edges { node { id } } } }', { p: INJECTION });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.productionOrders).toEqual({ totalCount: 0, edges: [] });
    // The ERP was asked (the filter was escaped, not dropped) and matched nothing.
    const stats = await admin.stats(hub.erpApi);
    expect(stats.calls['GET /odata/ProductionOrders']).toBeGreaterThanOrEqual(1);
    const direct = await getJson(`${hub.erpApi}/odata/ProductionOrders?$filter=${encodeURIComponent(`Plant eq ${odataString(INJECTION)}`)}&$count=true&$top=1`);
    expect(direct['@odata.count']).toBe(0);
  });

  it('a string that would widen an unescaped filter to every order finds nothing through the hub', async () => {
    const unescaped = await getJson(`${hub.erpApi}/odata/ProductionOrders?$filter=${encodeURIComponent(`Plant eq '${WIDENING}'`)}&$count=true&$top=1`);
    expect(unescaped['@odata.count']).toBeGreaterThan(1000); // what escaping prevents
    const res = await gql(hub.gateway, 'query($p: ID) { productionOrders(plant: $p, first: 5) { totalCount } }', { p: WIDENING });
    expect(res.body.data!.productionOrders.totalCount).toBe(0);
  });

  it('injection strings as ids answer null without an upstream call', async () => {
    await admin.resetStats(hub.erpApi);
    await admin.resetStats(hub.mesApi);
    const res = await gql(
      hub.gateway,
      'query($id: ID!) { productionOrder(id: $id) { id } material(id: $id) { id } workOrder(id: $id) { id } equipment(id: $id) { id } materialLot(id: $id) { id } }',
      { id: INJECTION },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ productionOrder: null, material: null, workOrder: null, equipment: null, materialLot: null });
    expect((await admin.stats(hub.erpApi)).total).toBe(0);
    expect((await admin.stats(hub.mesApi)).total).toBe(0);
  });

  it('an injection string as an MES plant finds no equipment', async () => {
    const res = await gql(hub.gateway, 'query($p: ID) { equipmentList(plant: $p) { id } }', { p: INJECTION });
    expect(res.body.data?.equipmentList ?? []).toEqual([]);
  });

  it('over-long ids are refused as BAD_USER_INPUT before reaching a system', async () => {
    const res = await gql(hub.gateway, 'query($id: ID!) { productionOrder(id: $id) { id } }', { id: '1'.repeat(5000) });
    expect(res.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('errors leak no stack trace, internal URL, credential or upstream body', async () => {
    await admin.faults(hub.erpApi, { down: true });
    try {
      const token = await hub.token({ sub: 'ann', roles: ['finance'] });
      const res = await gql(hub.gateway, '{ productionOrders(first: 2) { edges { node { id plannedCost } } } plants { id } }', undefined, {
        authorization: `Bearer ${token}`,
      });
      expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', system: 'erp' });
      const text = JSON.stringify(res.body);
      for (const secret of [token, hub.config.security.jwtSecret!, hub.config.security.subgraphSigningSecret!]) expect(text).not.toContain(secret);
      for (const internal of [hub.erpApi, hub.erpSubgraph, new URL(hub.erpApi).port, 'http://', 'stacktrace', '    at ', '/odata/']) {
        expect(text).not.toContain(internal);
      }
    } finally {
      await admin.clearFaults(hub.erpApi);
    }
  });
});
