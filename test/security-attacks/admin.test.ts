import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startErpSystem } from '../../systems/erp/server.ts';
import { startMesSystem } from '../../systems/mes/server.ts';
import { gql, startHub, type Hub } from '../support/hub.ts';
import { startProcess } from '../support/processes.ts';

const ADMIN_TOKEN = 'attack-suite-admin-token-0123456789';
const METRICS_TOKEN = 'attack-suite-metrics-token-0123456789';
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

describe('attack: admin routes, metrics and bind address, production mode', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: { NODE_ENV: 'production', ADMIN_TOKEN, METRICS_TOKEN } });
  }, 120_000);
  afterAll(() => hub?.close());

  it('the demo systems refuse to start in production without ADMIN_TOKEN, as functions and as processes', async () => {
    await expect(startErpSystem({ port: 0, seed: 1, scale: 0.1, production: true })).rejects.toThrow(/ADMIN_TOKEN is required/);
    await expect(startMesSystem({ port: 0, seed: 1, scale: 0.1, production: true, simulate: false })).rejects.toThrow(/ADMIN_TOKEN is required/);
    const p = startProcess('npm', ['run', '--silent', 'start:mes-api'], { NODE_ENV: 'production', ADMIN_TOKEN: '', MES_API_PORT: '0', DEMO_SCALE: '0.1' });
    const code = await new Promise<number | null>((resolve) => p.child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(p.output()).toContain('ADMIN_TOKEN is required');
  });

  it('with ADMIN_TOKEN, a demo system serves its API as before and its admin API only with the token', async () => {
    const mes = await startMesSystem({ port: 0, seed: 1, scale: 0.1, production: true, adminToken: ADMIN_TOKEN, simulate: false });
    try {
      expect((await fetch(`${mes.url}/api/v1/equipment?limit=1`)).status).toBe(200);
      const denied = await post(`${mes.url}/admin/equipment-state`);
      expect(denied.status).toBe(401);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      expect((await post(`${mes.url}/admin/reset-stats`, bearer('wrong'))).status).toBe(401);
      expect((await post(`${mes.url}/admin/reset-stats`, bearer(ADMIN_TOKEN))).status).toBe(200);
    } finally {
      await mes.close();
    }
  });

  it('a demo system listens on HOST only', async () => {
    const erp = await startErpSystem({ port: 0, seed: 1, scale: 0.1, host: '127.0.0.2', adminToken: ADMIN_TOKEN });
    try {
      expect(erp.url).toBe(`http://127.0.0.2:${erp.port}`);
      expect((await fetch(`${erp.url}/odata/Plants`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${erp.port}/odata/Plants`)).rejects.toThrow();
    } finally {
      await erp.close();
    }
  });

  it("the subgraphs' admin routes (mapping reload, cache purge) need ADMIN_TOKEN in production", async () => {
    for (const path of ['/admin/mapping/reload', '/admin/cache/purge']) {
      const url = hub.mesSubgraph.replace(/\/graphql$/, path);
      expect((await post(url)).status, path).toBe(401);
      expect((await post(url, bearer('not-the-token-but-as-long-as-it-is!'))).status, path).toBe(401);
      expect((await post(url, bearer(ADMIN_TOKEN))).status, path).toBe(200);
    }
    expect((await post(hub.erpSubgraph.replace(/\/graphql$/, '/admin/cache/purge'))).status).toBe(401);
  });

  it('without ADMIN_TOKEN a production subgraph has no admin routes at all', async () => {
    const bare = await startHub({ env: { NODE_ENV: 'production' }, redis: false });
    try {
      expect((await post(bare.mesSubgraph.replace(/\/graphql$/, '/admin/mapping/reload'))).status).toBe(404);
      expect((await post(bare.erpSubgraph.replace(/\/graphql$/, '/admin/cache/purge'))).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('/metrics needs METRICS_TOKEN on the gateway and both subgraphs; the gateway passes it on for its summary', async () => {
    await gql(hub.gateway, '{ productionOrders(first: 1) { totalCount } }', undefined, await hub.as(['planner']));
    for (const graphql of [hub.gateway, hub.erpSubgraph, hub.mesSubgraph]) {
      const url = graphql.replace(/\/graphql$/, '/metrics');
      expect((await fetch(url)).status, url).toBe(401);
      expect((await fetch(url, { headers: bearer('wrong') })).status, url).toBe(401);
      expect((await fetch(url, { headers: bearer(METRICS_TOKEN) })).status, url).toBe(200);
    }
    const text = await (await fetch(hub.gateway.replace(/\/graphql$/, '/metrics'), { headers: bearer(METRICS_TOKEN) })).text();
    // The subgraphs' upstream samples, labelled with their service, made it into the gateway's text.
    expect(text).toMatch(/hub_upstream_requests_total\{[^}]*service="(erp|mes)-subgraph"/);
  });
});
