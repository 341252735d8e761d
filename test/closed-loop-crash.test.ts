import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../gateway/server.ts';
import { mintToken } from '../lib/auth/demo-tokens.ts';
import { loadConfig } from '../lib/config.ts';
import type { RunningServer } from '../lib/subgraph-server.ts';
import { startErpSubgraph } from '../subgraphs/erp/server.ts';
import { startErpSystem } from '../systems/erp/server.ts';
import { startMesSystem } from '../systems/mes/server.ts';
import type { RunningSystem } from '../systems/common/server.ts';
import { confirmableJobs, confirmUntilAnswered, expectBookedOnce, planConfirmations, rng, waitForEmptyOutbox } from './support/closed-loop.ts';
import { admin, dropPrefix, TEST_REDIS_URL, uniquePrefix } from './support/hub.ts';
import { freePort, startProcess, waitFor, type Proc } from './support/processes.ts';

const TOTAL = 60;
const KILLS = 8;
const CONCURRENCY = 4;

/**
 * The MES subgraph as an operator runs it (its own process, production mode), killed with SIGKILL at
 * random moments while confirmations flow: no handler runs, nothing is flushed, a relay step or a
 * mutation is cut wherever it is. The demo systems, the ERP subgraph and the gateway stay up.
 */
describe('closed loop: the MES subgraph killed at random points', () => {
  const closers: (() => Promise<void>)[] = [];
  let gateway: string;
  let erp: RunningSystem;
  let mes: RunningSystem;
  let mesProc: Proc | undefined;
  let startMes: () => Promise<void>;
  let token: string;
  const prefix = uniquePrefix('crash');

  beforeAll(async () => {
    erp = await startErpSystem({ port: 0, seed: 42, scale: 1 });
    closers.push(erp.close);
    mes = await startMesSystem({ port: 0, seed: 42, scale: 1, simulate: false });
    closers.push(mes.close);
    const mesPort = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      REDIS_URL: TEST_REDIS_URL,
      CACHE_PREFIX: prefix,
      ERP_API_URL: erp.url,
      MES_API_URL: mes.url,
      MES_SUBGRAPH_PORT: String(mesPort),
      ERP_SUBGRAPH_PORT: '0',
      GATEWAY_PORT: '0',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      SUBGRAPH_SIGNING_SECRET: randomBytes(32).toString('base64url'),
      UPSTREAM_TIMEOUT_MS: '2000',
      CONFIRM_WAIT_MS: '500',
      RELAY_MAX_BACKOFF_MS: '300',
      AUDIT_LOG: 'off',
      LOG_LEVEL: 'error',
    };
    closers.push(() => dropPrefix(TEST_REDIS_URL, prefix));
    startMes = async () => {
      mesProc = startProcess('node_modules/.bin/tsx', ['subgraphs/mes/server.ts'], env);
      await waitFor(`http://127.0.0.1:${mesPort}/health`, 90_000);
    };
    await startMes();
    closers.push(async () => mesProc?.stop());
    const erpSub: RunningServer = await startErpSubgraph(loadConfig(env));
    closers.push(erpSub.close);
    const config = loadConfig({ ...env, ERP_SUBGRAPH_URL: erpSub.url, MES_SUBGRAPH_URL: `http://127.0.0.1:${mesPort}/graphql` });
    const gw = await startGateway(config);
    closers.push(gw.close);
    gateway = gw.url;
    token = await mintToken(env.JWT_SECRET!, config.security.jwtAudience, { sub: 'crash-test', roles: ['operator'] });
  }, 120_000);

  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  it('every confirmation ends booked exactly once in the ERP and the MES', async () => {
    const random = rng(4242);
    const t = await confirmableJobs(erp.url, mes.url, 12);
    const planned = planConfirmations(t, TOTAL, random, 'crash');
    // Every ERP call takes a while, so that kills land inside relay steps, and some answers are lost.
    await admin.faults(erp.url, { latencyMs: 150 });
    await admin.resetStats(erp.url);
    const headers = { authorization: `Bearer ${token}` };
    const ids = new Set<string>();
    let next = 0;
    const senders = Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < planned.length) {
          const p = planned[next++]!;
          ids.add((await confirmUntilAnswered(gateway, headers, p, 240_000)).id);
        }
      }),
    );
    const killer = (async () => {
      for (let k = 0; k < KILLS; k++) {
        await new Promise((r) => setTimeout(r, 300 + random() * 2500));
        await mesProc!.kill();
        await startMes();
      }
    })();
    await Promise.all([senders, killer]);
    await waitForEmptyOutbox(gateway, 120_000, headers);
    await admin.clearFaults(erp.url);
    const { erpBookings } = await expectBookedOnce(erp.url, mes.url, t, planned, ids);
    expect(erpBookings).toBe(TOTAL);
    // Posts beyond one per confirmation: a kill between recording the attempt and the post. Look-ups:
    // a restarted relay asking whether an interrupted post got through.
    const calls = (await admin.stats(erp.url)).calls;
    const posts = calls['POST /odata/ProductionOrderConfirmations'] ?? 0;
    const lookups = calls['GET /odata/ProductionOrderConfirmations'] ?? 0;
    console.info(JSON.stringify({ confirmations: TOTAL, kills: KILLS, erpBookings, erpPosts: posts, erpLookups: lookups }));
  }, 400_000);
});
