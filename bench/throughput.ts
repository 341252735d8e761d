/**
 * `npm run bench -- throughput`: requests per second of the hub gateway and of a plain @apollo/gateway
 * (bench/plain-gateway.ts) on the same subgraphs, demo systems and warm Redis cache, one after the
 * other in the same run, under the same load: N keep-alive clients in a separate process
 * (bench/load.ts) for a warm-up and a measured window. The hub is measured with SUBGRAPH_SIGNING=off
 * (the peer's conditions: nothing signs) and on (as deployed: every subgraph call carries an HMAC).
 *
 * Settings (env): BENCH_CONNECTIONS (16), BENCH_DURATION_S (10), BENCH_WARMUP_S (3), BENCH_ROUNDS (1;
 * more rounds report each target's median), BENCH_SHAPES (`cross,order`), BENCH_CPU_PROF=<dir> (the hub's processes write V8 CPU
 * profiles there at exit, for Chrome DevTools or `tsx bench/profile.ts <dir>`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { CROSS_SYSTEM_QUERY, ORDER_QUERY } from '../gateway/examples.ts';
import type { LoadOptions, LoadResult } from './load.ts';
import { groupCpuSeconds, startBenchPlant, type BenchGroups, type BenchTargets } from './processes.ts';

export interface ThroughputOptions {
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  /** Which query shapes to run (`cross`, `order`). */
  shapes: string[];
  cpuProfDir: string | undefined;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

export function throughputOptions(env: NodeJS.ProcessEnv = process.env): ThroughputOptions {
  return {
    connections: Math.round(positive(env, 'BENCH_CONNECTIONS', 16)),
    durationS: positive(env, 'BENCH_DURATION_S', 10),
    warmupS: positive(env, 'BENCH_WARMUP_S', 3),
    rounds: Math.round(positive(env, 'BENCH_ROUNDS', 1)),
    shapes: (env.BENCH_SHAPES || 'cross,order').split(','),
    cpuProfDir: env.BENCH_CPU_PROF ? resolve(env.BENCH_CPU_PROF) : undefined,
  };
}

const SHAPES = [
  { key: 'cross', name: '50 orders cross-system (CROSS_SYSTEM_QUERY, first: 50)', query: CROSS_SYSTEM_QUERY, variables: { first: 50 } },
  { key: 'order', name: 'one order (ORDER_QUERY)', query: ORDER_QUERY, variables: { id: '1000045' } },
];

const TARGETS: { key: keyof BenchTargets; label: string; subgraphs: keyof BenchGroups }[] = [
  { key: 'plain', label: 'plain @apollo/gateway', subgraphs: 'subgraphsUnsigned' },
  { key: 'hubUnsigned', label: 'hub, SUBGRAPH_SIGNING=off', subgraphs: 'subgraphsUnsigned' },
  { key: 'hubSigned', label: 'hub, SUBGRAPH_SIGNING=on', subgraphs: 'subgraphsSigned' },
];

/** What one target did under load: the load generator's view plus the servers' CPU per request. */
interface Measured extends LoadResult {
  /** CPU milliseconds per request of the gateway's process(es), and of the subgraphs behind it. */
  gatewayCpuMs: number;
  subgraphCpuMs: number;
}

/**
 * Runs the load generator in its own process, so its CPU use is not counted against the target, and
 * reads the CPU counters of the gateway and subgraph processes when the measured window opens and ends.
 */
function load(options: LoadOptions, gateway: number[], subgraphs: number[]): Promise<Measured> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./load.ts', import.meta.url).pathname, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let atStart = { gw: NaN, sub: NaN };
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (Number.isNaN(atStart.gw) && out.startsWith('measure\n')) atStart = { gw: groupCpuSeconds(gateway), sub: groupCpuSeconds(subgraphs) };
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      const gw = groupCpuSeconds(gateway) - atStart.gw;
      const sub = groupCpuSeconds(subgraphs) - atStart.sub;
      if (code !== 0) return fail(new Error(`load generator exited with ${code}`));
      try {
        const r = JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult;
        done({ ...r, gatewayCpuMs: (1000 * gw) / r.requests, subgraphCpuMs: (1000 * sub) / r.requests });
      } catch (e) {
        fail(e as Error);
      }
    });
  });
}

const median = (xs: Measured[]): Measured => [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)]!;

function printShape(name: string, rows: { label: string; r: Measured }[], o: ThroughputOptions): void {
  const plain = rows[0]!.r.rps;
  const head = ['target', 'req/s', 'x plain', 'p50 ms', 'p99 ms', 'gateway CPU ms/req', 'subgraphs CPU ms/req', 'non-2xx', 'GraphQL errors', 'failed'];
  const body = rows.map(({ label, r }) => [
    label,
    r.rps.toFixed(0),
    (r.rps / plain).toFixed(2),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    r.gatewayCpuMs.toFixed(2),
    r.subgraphCpuMs.toFixed(2),
    String(r.non2xx),
    String(r.graphqlErrors),
    String(r.failed),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(
    `\n${name}: ${o.connections} keep-alive clients, ${o.warmupS} s warm-up + ${o.durationS} s measured` +
      `${o.rounds > 1 ? `, median of ${o.rounds} rounds` : ''}, warm Redis cache\n\n` +
      [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') +
      '\n',
  );
  for (const { label, r } of rows) if (r.firstError) process.stdout.write(`  ${label}: first error: ${r.firstError}\n`);
  const hashes = new Set(rows.map(({ r }) => r.dataHash));
  process.stdout.write(hashes.size === 1 ? '  every target answered the same data\n' : '  WARNING: the targets answered different data\n');
}

export async function benchThroughput(o: ThroughputOptions = throughputOptions()): Promise<void> {
  if (o.cpuProfDir) mkdirSync(o.cpuProfDir, { recursive: true });
  const plant = await startBenchPlant({ cpuProfDir: o.cpuProfDir });
  try {
    for (const shape of SHAPES.filter((s) => o.shapes.includes(s.key))) {
      const results = new Map<string, Measured[]>(TARGETS.map((t) => [t.key, []]));
      for (let round = 0; round < o.rounds; round++) {
        for (const t of TARGETS) {
          const r = await load(
            {
              url: plant.targets[t.key],
              query: shape.query,
              variables: shape.variables,
              connections: o.connections,
              warmupMs: o.warmupS * 1000,
              durationMs: o.durationS * 1000,
            },
            plant.groups[t.key],
            plant.groups[t.subgraphs],
          );
          results.get(t.key)!.push(r);
        }
      }
      printShape(shape.name, TARGETS.map((t) => ({ label: t.label, r: median(results.get(t.key)!) })), o);
    }
  } finally {
    await plant.stop();
  }
}
