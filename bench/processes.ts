/**
 * The processes `npm run bench -- throughput` measures, each started as an operator starts it (`npm run
 * start:<piece>` with env, on free ports, MES_SIMULATE=off, Redis under a `bench-<random>` prefix that is
 * removed afterwards, every entity TTL an hour so the cache stays warm): the demo ERP and MES, two
 * subgraph pairs (SUBGRAPH_SIGNING=off for the peers and the hub in demo mode; production mode with
 * signing for the hub as deployed), and every gateway under test in a process of its own (bench/targets.ts).
 * Idle processes cost nothing measurable; only the target under load is busy.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_CACHE_TTLS } from '../lib/config.ts';
import { dropPrefix, TEST_REDIS_URL } from '../test/support/hub.ts';
import { freePort, startProcess, waitFor, type Proc } from '../test/support/processes.ts';

const SCRIPTS = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;

/**
 * CPU seconds used so far by every process of these process groups (each started process leads its
 * group: npm, sh, tsx and node). Read from Linux's /proc; NaN elsewhere.
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

/** Resident memory (MiB) of every process of these groups, from /proc; NaN elsewhere. */
export function groupRssMiB(pgids: readonly number[]): number {
  let kib = 0;
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (!pgids.includes(Number(f[2]))) continue;
        const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        kib += Number(rss?.[1] ?? 0);
      } catch {
        /* exited meanwhile */
      }
    }
  } catch {
    return NaN;
  }
  return kib / 1024;
}

/** Polls until a GraphQL endpoint answers `{ __typename }` (not every peer has a health route). */
export async function waitForGraphQL(url: string, headers: Record<string, string> = {}, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"query":"{ __typename }"}' });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A subgraph pair and what the gateways need to reach it. */
export interface SubgraphPair {
  urls: { erp: string; mes: string };
  /** Env for a hub gateway on this pair. */
  env: Record<string, string>;
  /** Process groups of the pair and the two demo systems (their CPU is counted together). */
  pgids: number[];
}

export interface BenchPlant {
  erpApi: string;
  mesApi: string;
  /** Unsigned, demo mode: the peers and the hub in demo mode use it. */
  demo: SubgraphPair;
  /** Production mode, signed: the hub as deployed. */
  production: SubgraphPair;
  redisUrl: string;
  prefix: string;
  jwtSecret: string;
  /** Starts a process that belongs to the plant (stopped with it); answers its process group. */
  start(cmd: string, args: string[], env: Record<string, string>): Proc;
  /** Stops `p` with the plant. */
  adopt(p: Proc): void;
  /** `npm run <script>` with the plant's base env plus `env`. */
  startScript(script: string, env: Record<string, string>): Proc;
  port(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

export interface PlantOptions {
  redisUrl?: string;
  /** When set, the hub's gateways and subgraphs write V8 CPU profiles (`--cpu-prof`) into this folder at exit. */
  cpuProfDir?: string | undefined;
  demoScale?: number;
}

/**
 * `npm run <script>`, as an operator starts it; when profiling, the script's entry file straight under
 * node, because Node 20 refuses `--cpu-prof` in NODE_OPTIONS (the demo systems are not profiled).
 */
function command(script: string, cpuProfDir: string | undefined): [string, string[]] {
  const entry = /^tsx (\S+)$/.exec(SCRIPTS[script] ?? '')?.[1];
  if (!cpuProfDir || !entry || script.endsWith('-api')) return ['npm', ['run', '--silent', script]];
  return [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, '--import', 'tsx', entry]];
}

export async function startBenchPlant(opts: PlantOptions = {}): Promise<BenchPlant> {
  const redisUrl = opts.redisUrl ?? TEST_REDIS_URL;
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const procs: Proc[] = [];
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await dropPrefix(redisUrl, prefix);
  };
  const port = async () => String(await freePort());
  const [erpApiPort, mesApiPort] = [await port(), await port()];
  const jwtSecret = randomBytes(32).toString('base64url');
  const base: Record<string, string> = {
    ERP_API_URL: `http://127.0.0.1:${erpApiPort}`,
    MES_API_URL: `http://127.0.0.1:${mesApiPort}`,
    MES_SIMULATE: 'off',
    REDIS_URL: redisUrl,
    CACHE_PREFIX: prefix,
    DEMO_SCALE: String(opts.demoScale ?? 1),
    // Warm caches for the whole run: no entry expires while it is measured (the question is the
    // gateways' throughput, not the demo systems').
    CACHE_TTLS: JSON.stringify(Object.fromEntries(Object.keys(DEFAULT_CACHE_TTLS).map((k) => [k, 3600]))),
    SUBGRAPH_SIGNING_SECRET: randomBytes(32).toString('base64url'),
    JWT_SECRET: jwtSecret,
  };
  const start = (cmd: string, args: string[], env: Record<string, string>) => {
    const p = startProcess(cmd, args, env);
    procs.push(p);
    return p;
  };
  const startScript = (script: string, env: Record<string, string>) => start(...command(script, opts.cpuProfDir), { ...base, ...env });
  const output = () => procs.map((p) => p.output().slice(-2000)).join('\n---\n');
  try {
    const erpApi = startScript('start:erp-api', { ERP_API_PORT: erpApiPort });
    const mesApi = startScript('start:mes-api', { MES_API_PORT: mesApiPort });
    await Promise.all([waitFor(`${base.ERP_API_URL}/admin/stats`, 120_000), waitFor(`${base.MES_API_URL}/admin/stats`, 120_000)]);
    const systems = [erpApi.child.pid!, mesApi.child.pid!];

    const pair = async (env: Record<string, string>): Promise<SubgraphPair> => {
      const [erp, mes] = [await port(), await port()];
      const urls = { erp: `http://127.0.0.1:${erp}/graphql`, mes: `http://127.0.0.1:${mes}/graphql` };
      // The ERP subgraph asks the MES subgraph for due statuses (`dueStatus:` filters): this pair's, not
      // whatever answers on the default port 4002.
      const procsOfPair = [
        startScript('start:erp', { ...env, ERP_SUBGRAPH_PORT: erp, MES_SUBGRAPH_URL: urls.mes }),
        startScript('start:mes', { ...env, MES_SUBGRAPH_PORT: mes }),
      ];
      await Promise.all([waitFor(urls.erp.replace('/graphql', '/health'), 120_000), waitFor(urls.mes.replace('/graphql', '/health'), 120_000)]);
      return { urls, env: { ...env, ERP_SUBGRAPH_URL: urls.erp, MES_SUBGRAPH_URL: urls.mes }, pgids: [...procsOfPair.map((p) => p.child.pid!), ...systems] };
    };
    const demo = await pair({ SUBGRAPH_SIGNING: 'off' });
    const production = await pair({ NODE_ENV: 'production', SUBGRAPH_SIGNING: 'on' });
    return {
      erpApi: base.ERP_API_URL!,
      mesApi: base.MES_API_URL!,
      demo,
      production,
      redisUrl,
      prefix,
      jwtSecret,
      start,
      adopt: (p) => void procs.push(p),
      startScript,
      port,
      output,
      stop,
    };
  } catch (e) {
    const logs = output();
    await stop();
    throw new Error(`${(e as Error).message}\nprocess output:\n${logs}`);
  }
}
