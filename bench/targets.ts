/**
 * The gateways `npm run bench -- throughput` compares, each in a process of its own on the same
 * supergraph, subgraphs, demo systems and warm Redis entity cache:
 * - the hub in demo mode (SUBGRAPH_SIGNING=off, the peers' conditions), with its response cache, with
 *   RESPONSE_CACHE=off, and with REQUEST_COALESCING=off as well (every client request executes; only
 *   identical in-flight subgraph fetches are shared, as Hive Gateway shares them);
 * - the hub as deployed: NODE_ENV=production, a bearer token on every request, the rate limit on
 *   (raised to RATE_LIMIT=100000000 per minute so the bench's one client address is not refused),
 *   signed subgraph requests to production-mode subgraphs;
 * - plain @apollo/gateway with Apollo's defaults, and tuned the way the hub is (bench/plain-gateway.ts);
 * - Hive Gateway with its JS planner and with Hive Router's Rust planner (bench/peers.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '../lib/auth/demo-tokens.ts';
import { waitFor } from '../test/support/processes.ts';
import { ensurePeers, startHive, supergraphFor } from './peers.ts';
import { waitForGraphQL, type BenchPlant } from './processes.ts';

export interface Target {
  key: string;
  label: string;
  url: string;
  headers: Record<string, string>;
  /** Process groups of the gateway, and of the subgraphs and demo systems behind it. */
  gateway: number[];
  backend: number[];
}

export const TARGET_KEYS = ['hub', 'hubNoCache', 'hubNoCoalescing', 'hubDeployed', 'plain', 'plainTuned', 'hive', 'hiveRust'] as const;
export type TargetKey = (typeof TARGET_KEYS)[number];

export interface StartedTargets {
  targets: Target[];
  /** Peers that could not run here, with the reason (printed in the report, never faked). */
  missing: { key: TargetKey; label: string; reason: string }[];
}

const LABELS: Record<TargetKey, string> = {
  hub: 'hub (demo mode, response cache on)',
  hubNoCache: 'hub, RESPONSE_CACHE=off',
  hubNoCoalescing: 'hub, response cache and request coalescing off',
  hubDeployed: 'hub as deployed (production, token, rate limit, signed)',
  plain: 'plain @apollo/gateway, defaults',
  plainTuned: 'plain @apollo/gateway, tuned',
  hive: 'Hive Gateway (JS planner)',
  hiveRust: 'Hive Gateway + Rust planner',
};

export async function startTargets(plant: BenchPlant, wanted: readonly TargetKey[], log: (line: string) => void): Promise<StartedTargets> {
  const targets: Target[] = [];
  const missing: StartedTargets['missing'] = [];
  const { demo, production } = plant;

  const hub = async (key: TargetKey, pair: typeof demo, env: Record<string, string>, headers: Record<string, string> = {}) => {
    const port = await plant.port();
    const p = plant.startScript('start:gateway', { ...pair.env, ...env, GATEWAY_PORT: port });
    await waitFor(`http://127.0.0.1:${port}/ready`, 120_000);
    targets.push({ key, label: LABELS[key], url: `http://127.0.0.1:${port}/graphql`, headers, gateway: [p.child.pid!], backend: pair.pgids });
  };
  const plain = async (key: TargetKey, tuned: boolean) => {
    const port = await plant.port();
    const p = plant.start(process.execPath, ['--import', 'tsx', new URL('./plain-gateway.ts', import.meta.url).pathname], {
      ERP_SUBGRAPH_URL: demo.urls.erp,
      MES_SUBGRAPH_URL: demo.urls.mes,
      PLAIN_GATEWAY_PORT: port,
      PLAIN_TUNED: tuned ? 'on' : 'off',
      ...(tuned ? { NODE_ENV: 'production' } : {}),
    });
    const url = `http://127.0.0.1:${port}/`;
    await waitForGraphQL(url);
    targets.push({ key, label: LABELS[key], url, headers: {}, gateway: [p.child.pid!], backend: demo.pgids });
  };
  let peersProblem: string | null | undefined;
  const hive = async (key: TargetKey, rust: boolean) => {
    peersProblem ??= ensurePeers(log);
    if (peersProblem) return void missing.push({ key, label: LABELS[key], reason: peersProblem });
    const dir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
    const port = await plant.port();
    const p = startHive(supergraphFor(demo.urls, join(dir, 'supergraph.graphql')), Number(port), rust);
    const url = `http://127.0.0.1:${port}/graphql`;
    try {
      await waitForGraphQL(url);
      targets.push({ key, label: LABELS[key], url, headers: {}, gateway: [p.child.pid!], backend: demo.pgids });
    } catch (e) {
      missing.push({ key, label: LABELS[key], reason: `${(e as Error).message}; its output: ${p.output().slice(-600)}` });
    } finally {
      plant.adopt(p);
    }
  };

  for (const key of wanted) {
    if (key === 'hub') await hub(key, demo, { SUBGRAPH_SIGNING: 'off' });
    if (key === 'hubNoCache') await hub(key, demo, { SUBGRAPH_SIGNING: 'off', RESPONSE_CACHE: 'off' });
    if (key === 'hubNoCoalescing') await hub(key, demo, { SUBGRAPH_SIGNING: 'off', RESPONSE_CACHE: 'off', REQUEST_COALESCING: 'off' });
    if (key === 'hubDeployed') {
      const token = await mintToken(plant.jwtSecret, 'erp-mes-hub', { sub: 'bench-board', roles: ['supervisor'], expiresIn: 24 * 3600 });
      await hub(key, production, { RATE_LIMIT: '100000000', RATE_LIMIT_WINDOW_S: '60' }, { authorization: `Bearer ${token}` });
    }
    if (key === 'plain') await plain(key, false);
    if (key === 'plainTuned') await plain(key, true);
    if (key === 'hive') await hive(key, false);
    if (key === 'hiveRust') await hive(key, true);
  }
  return { targets, missing };
}
