import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { gql, redisEnv } from './support/hub.ts';
import { until } from './support/live.ts';
import { freePort, startProcess, waitFor, type Proc } from './support/processes.ts';

const QUERY = '{ productionOrders(first: 3) { edges { node { id plannedQuantity material { description } workOrders { id status } progress } } } }';

/** Command lines of the live processes in a process group (Linux /proc). */
function groupCommands(pgid: number): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z') out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

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

  // Five Node processes start at once (each compiles its TypeScript): slower than one on a busy machine.
  it('npm start brings up the whole demo plant and prints the URLs and a first query', { timeout: 120_000 }, async () => {
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

  it('npm start runs each piece in a process of its own (every core), and one Ctrl-C stops them all', { timeout: 120_000 }, async () => {
    const gw = await freePort();
    const env = {
      ...redisEnv('start'),
      GATEWAY_PORT: String(gw),
      ERP_SUBGRAPH_PORT: String(await freePort()),
      MES_SUBGRAPH_PORT: String(await freePort()),
      ERP_API_PORT: String(await freePort()),
      MES_API_PORT: String(await freePort()),
      MES_SIMULATE: 'off',
    };
    const p = startProcess('npm', ['start', '--silent'], env);
    procs.push(p);
    await waitFor(`http://127.0.0.1:${gw}/ready`, 90_000);
    const res = await gql(`http://127.0.0.1:${gw}/graphql`, QUERY);
    expect(res.body.errors).toBeUndefined();
    const entries = ['systems/erp/server.ts', 'systems/mes/server.ts', 'subgraphs/erp/server.ts', 'subgraphs/mes/server.ts', 'gateway/server.ts'];
    const running = groupCommands(p.child.pid!);
    for (const entry of entries) expect(running.filter((c) => c.includes(entry)).length, entry).toBeGreaterThanOrEqual(1);
    // What a terminal's Ctrl-C does: SIGINT to the foreground process group.
    process.kill(-p.child.pid!, 'SIGINT');
    await until(() => groupCommands(p.child.pid!).length === 0, 15_000, 'every process of npm start to exit');
  });

  it('a bad configuration value stops the process with a message naming the variable', async () => {
    const p = startProcess('npm', ['run', '--silent', 'start:gateway'], { GATEWAY_PORT: 'forty' });
    procs.push(p);
    const code = await new Promise<number | null>((resolve) => p.child.once('exit', resolve));
    expect(code).not.toBe(0); // the process exits 2; npm reports any failure as 1
    expect(p.output()).toContain('GATEWAY_PORT must be a port number');
  });
});
