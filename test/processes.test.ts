import { afterAll, describe, expect, it } from 'vitest';
import { gql } from './support/hub.ts';
import { freePort, startProcess, waitFor, type Proc } from './support/processes.ts';

const QUERY = '{ productionOrders(first: 3) { edges { node { id plannedQuantity material { description } workOrders { id status } progress } } } }';

describe('the processes as an operator runs them', () => {
  const procs: Proc[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('each of the five starts alone with its env vars, and together they answer a cross-system query', async () => {
    const [erpApi, mesApi, erpSub, mesSub, gw] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const env = {
      ERP_API_PORT: String(erpApi),
      MES_API_PORT: String(mesApi),
      ERP_SUBGRAPH_PORT: String(erpSub),
      MES_SUBGRAPH_PORT: String(mesSub),
      GATEWAY_PORT: String(gw),
      MES_SIMULATE: 'off',
      // Separate processes share the gateway-to-subgraph key (one process would generate its own).
      SUBGRAPH_SIGNING_SECRET: 'processes-test-signing-secret-0123456789abcdef',
    };
    for (const script of ['start:erp-api', 'start:mes-api', 'start:erp', 'start:mes', 'start:gateway']) {
      procs.push(startProcess('npm', ['run', '--silent', script], env));
    }
    await waitFor(`http://127.0.0.1:${gw}/ready`, 60_000);
    const res = await gql(`http://127.0.0.1:${gw}/graphql`, QUERY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.productionOrders.edges).toHaveLength(3);
    await Promise.all(procs.splice(0).map((p) => p.stop()));
  });

  it('npm start brings up the whole demo plant and prints the URLs and a first query', async () => {
    const gw = await freePort();
    const env = {
      GATEWAY_PORT: String(gw),
      ERP_SUBGRAPH_PORT: String(await freePort()),
      MES_SUBGRAPH_PORT: String(await freePort()),
      ERP_API_PORT: String(await freePort()),
      MES_API_PORT: String(await freePort()),
    };
    const p = startProcess('npm', ['start', '--silent'], env);
    procs.push(p);
    await waitFor(`http://127.0.0.1:${gw}/ready`, 60_000);
    for (let i = 0; i < 50 && !p.output().includes('first query'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(p.output()).toContain(`http://127.0.0.1:${gw}/graphql`);
    expect(p.output()).toContain('query FirstLook');
    // Demo mode prints a token per role, and the hub accepts them.
    const finance = /^\s+finance\s+(\S+)$/m.exec(p.output())?.[1];
    expect(finance).toBeDefined();
    const costs = await gql(`http://127.0.0.1:${gw}/graphql`, '{ productionOrders(first: 1) { edges { node { plannedCost } } } }', undefined, {
      authorization: `Bearer ${finance}`,
    });
    expect(costs.body.data!.productionOrders.edges[0].node.plannedCost).toEqual(expect.any(Number));
    const res = await gql(`http://127.0.0.1:${gw}/graphql`, QUERY);
    expect(res.body.errors).toBeUndefined();
  });

  it('a bad configuration value stops the process with a message naming the variable', async () => {
    const p = startProcess('npm', ['run', '--silent', 'start:gateway'], { GATEWAY_PORT: 'forty' });
    procs.push(p);
    const code = await new Promise<number | null>((resolve) => p.child.once('exit', resolve));
    expect(code).not.toBe(0); // the process exits 2; npm reports any failure as 1
    expect(p.output()).toContain('GATEWAY_PORT must be a port number');
  });
});
