/**
 * The processes the throughput benchmark measures, each started as an operator starts it (`npm run
 * start:<piece>` with env, on free ports): the demo ERP and MES, two pairs of subgraphs (one with
 * SUBGRAPH_SIGNING=off, which the plain gateway needs, one with signing on), the hub gateway on each
 * pair, and the plain @apollo/gateway on the unsigned pair. Idle processes cost nothing measurable;
 * only the target under load is busy.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_CACHE_TTLS } from '../lib/config.ts';
import { dropPrefix, TEST_REDIS_URL } from '../test/support/hub.ts';
import { freePort, startProcess, waitFor, type Proc } from '../test/support/processes.ts';

export interface BenchTargets {
  /** /graphql URL of each gateway under test. */
  plain: string;
  hubUnsigned: string;
  hubSigned: string;
}

/** The process groups whose CPU time is counted per request: each gateway, and each subgraph pair. */
export interface BenchGroups {
  plain: number[];
  hubUnsigned: number[];
  hubSigned: number[];
  subgraphsUnsigned: number[];
  subgraphsSigned: number[];
}

export interface BenchPlant {
  targets: BenchTargets;
  groups: BenchGroups;
  stop(): Promise<void>;
}

export interface PlantOptions {
  redisUrl?: string;
  /** When set, the hub's gateways and subgraphs write V8 CPU profiles (`--cpu-prof`) into this folder at exit. */
  cpuProfDir?: string | undefined;
}

const SCRIPTS = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;

/**
 * `npm run <script>`, as an operator starts it; when profiling, the script's entry file straight under
 * node, because Node 20 refuses `--cpu-prof` in NODE_OPTIONS (the demo systems are not profiled).
 */
function command(script: string, cpuProfDir: string | undefined): [string, string[]] {
  const entry = /^tsx (\S+)$/.exec(SCRIPTS[script] ?? '')?.[1];
  if (!cpuProfDir || !entry || script.endsWith('-api')) return ['npm', ['run', '--silent', script]];
  return [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, '--import', 'tsx', entry]];
}

/**
 * CPU seconds used so far by every process of these process groups (each started process leads its
 * group: npm, sh, tsx and node). Read from Linux's /proc; NaN elsewhere. Measured this way, a gateway's
 * cost per request shows even when the subgraphs, not the gateway, limit the throughput.
 */
export function groupCpuSeconds(pgids: readonly number[]): number {
  let dirs: string[];
  try {
    dirs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return NaN;
  }
  let ticks = 0;
  for (const pid of dirs) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state ppid pgrp ... utime(12th) stime(13th).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (pgids.includes(Number(f[2]))) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100; // USER_HZ, 100 on every Linux platform Node supports
}

/** Polls until a GraphQL endpoint answers `{ __typename }` (the plain gateway has no /health). */
async function waitForGraphQL(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startBenchPlant(opts: PlantOptions = {}): Promise<BenchPlant> {
  const redisUrl = opts.redisUrl ?? TEST_REDIS_URL;
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const procs: Proc[] = [];
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await dropPrefix(redisUrl, prefix);
  };
  try {
    const port = async () => String(await freePort());
    const [erpApi, mesApi] = [await port(), await port()];
    const base: Record<string, string> = {
      ERP_API_URL: `http://127.0.0.1:${erpApi}`,
      MES_API_URL: `http://127.0.0.1:${mesApi}`,
      MES_SIMULATE: 'off',
      REDIS_URL: redisUrl,
      CACHE_PREFIX: prefix,
      // Warm caches for the whole run: no entry expires while it is measured (the question is the
      // gateway's throughput, not the demo systems').
      CACHE_TTLS: JSON.stringify(Object.fromEntries(Object.keys(DEFAULT_CACHE_TTLS).map((k) => [k, 3600]))),
      SUBGRAPH_SIGNING_SECRET: randomBytes(32).toString('base64url'),
    };
    const start = (script: string, env: Record<string, string>): number => {
      const p = startProcess(...command(script, opts.cpuProfDir), { ...base, ...env });
      procs.push(p);
      return p.child.pid!;
    };
    start('start:erp-api', { ERP_API_PORT: erpApi });
    start('start:mes-api', { MES_API_PORT: mesApi });
    await Promise.all([waitFor(`${base.ERP_API_URL}/admin/stats`, 60_000), waitFor(`${base.MES_API_URL}/admin/stats`, 60_000)]);

    const subgraphs = async (signing: 'on' | 'off') => {
      const [erp, mes] = [await port(), await port()];
      const env = { SUBGRAPH_SIGNING: signing };
      const pgids = [start('start:erp', { ...env, ERP_SUBGRAPH_PORT: erp }), start('start:mes', { ...env, MES_SUBGRAPH_PORT: mes })];
      const urls = { ERP_SUBGRAPH_URL: `http://127.0.0.1:${erp}/graphql`, MES_SUBGRAPH_URL: `http://127.0.0.1:${mes}/graphql` };
      return { urls, pgids };
    };
    const unsigned = await subgraphs('off');
    const signed = await subgraphs('on');

    const gateway = async (env: Record<string, string>) => {
      const gw = await port();
      const pgid = start('start:gateway', { ...env, GATEWAY_PORT: gw });
      await waitFor(`http://127.0.0.1:${gw}/ready`, 90_000);
      return { url: `http://127.0.0.1:${gw}/graphql`, pgid };
    };
    const hubUnsigned = await gateway({ ...unsigned.urls, SUBGRAPH_SIGNING: 'off' });
    const hubSigned = await gateway({ ...signed.urls, SUBGRAPH_SIGNING: 'on' });
    const plainPort = await port();
    const plainProc = startProcess(process.execPath, ['--import', 'tsx', new URL('./plain-gateway.ts', import.meta.url).pathname], {
      ...unsigned.urls,
      PLAIN_GATEWAY_PORT: plainPort,
    });
    procs.push(plainProc);
    const plain = `http://127.0.0.1:${plainPort}/`;
    await waitForGraphQL(plain);
    return {
      targets: { plain, hubUnsigned: hubUnsigned.url, hubSigned: hubSigned.url },
      groups: {
        plain: [plainProc.child.pid!],
        hubUnsigned: [hubUnsigned.pgid],
        hubSigned: [hubSigned.pgid],
        subgraphsUnsigned: unsigned.pgids,
        subgraphsSigned: signed.pgids,
      },
      stop,
    };
  } catch (e) {
    const logs = procs.map((p) => p.output().slice(-2000)).join('\n---\n');
    await stop();
    throw new Error(`${(e as Error).message}\nprocess output:\n${logs}`);
  }
}
