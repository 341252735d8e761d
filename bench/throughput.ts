/**
 * `npm run bench -- throughput [--quick] [--save]`: requests per second of the hub and its peers
 * (bench/targets.ts), side by side in one run, on the workloads of bench/workloads.ts.
 *
 * Honest by construction: every target in processes of its own; a warm-up round that is discarded;
 * the target order rotated every round; at least 5 measured rounds (median and min-max printed);
 * every response checked against the same expected data (a wrong answer or an error fails the run and
 * never counts as throughput); gateway and subgraph+system CPU read over the measured window only.
 *
 * Settings: `--quick` (1 measured round of 2 s: for development, not for figures), BENCH_ROUNDS
 * (measured rounds, default 5), BENCH_DURATION_S (5), BENCH_WARMUP_S (1, inside each run),
 * BENCH_WORKLOADS (`page50,readme,order,page500,board100`), BENCH_TARGETS (bench/targets.ts keys),
 * BENCH_CPU_PROF=<dir> (V8 CPU profiles of the hub's processes, `tsx bench/profile.ts <dir>`).
 * `--save` writes the report and the raw rounds to bench/results/throughput.{txt,json}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { dataHash } from './load.ts';
import { measure, summarise, table, type Measured, type Summary } from './measure.ts';
import { groupRssMiB, startBenchPlant, type BenchPlant } from './processes.ts';
import { startTargets, TARGET_KEYS, type Target, type TargetKey } from './targets.ts';
import { WORKLOADS, ORDER_PAGE_QUERY, type Workload } from './workloads.ts';

export interface ThroughputOptions {
  rounds: number;
  durationS: number;
  warmupS: number;
  workloads: string[];
  targets: TargetKey[];
  save: boolean;
  quick: boolean;
  cpuProfDir: string | undefined;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

export function throughputOptions(argv: string[] = process.argv, env: NodeJS.ProcessEnv = process.env): ThroughputOptions {
  const quick = argv.includes('--quick');
  const targets = (env.BENCH_TARGETS || TARGET_KEYS.join(',')).split(',') as TargetKey[];
  for (const t of targets) if (!TARGET_KEYS.includes(t)) throw new Error(`BENCH_TARGETS: unknown target "${t}" (known: ${TARGET_KEYS.join(', ')})`);
  return {
    quick,
    rounds: Math.round(positive(env, 'BENCH_ROUNDS', quick ? 1 : 5)),
    durationS: positive(env, 'BENCH_DURATION_S', quick ? 2 : 5),
    warmupS: positive(env, 'BENCH_WARMUP_S', quick ? 0.5 : 1),
    workloads: (env.BENCH_WORKLOADS || WORKLOADS.map((w) => w.key).join(',')).split(','),
    targets,
    save: argv.includes('--save'),
    cpuProfDir: env.BENCH_CPU_PROF ? resolve(env.BENCH_CPU_PROF) : undefined,
  };
}

/** The machine and moment a result comes from: printed at the top of every saved result. */
export function machine(): string {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a git checkout */
  }
  return [
    `date ${new Date().toISOString()}, commit ${commit}`,
    `machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`,
    `load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (the machine is shared: absolute figures move, ratios measured in the same run hold)`,
  ].join('\n');
}

/** One request per target: each must answer without errors, and all the same data. */
async function referenceData(targets: Target[], w: Workload): Promise<{ hash: string | null; problems: string[] }> {
  const problems: string[] = [];
  const hashes = new Map<string, string>();
  for (const t of targets) {
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: JSON.stringify({ query: w.query, variables: w.variables }) });
    const body = (await res.json().catch(() => ({}))) as { data?: unknown; errors?: unknown };
    if (!res.ok || body.errors || body.data == null) problems.push(`${t.label}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    else hashes.set(t.key, dataHash(body.data));
  }
  // The reference is plain @apollo/gateway's answer (federation as Apollo defines it), else the first.
  const hash = hashes.get('plain') ?? [...hashes.values()][0] ?? null;
  for (const t of targets) if (hashes.has(t.key) && hashes.get(t.key) !== hash) problems.push(`${t.label}: its data differs from the reference`);
  return { hash, problems };
}

/** Upstream calls of one request with a cold cache: they must not grow with the page (no per-item calls). */
async function upstreamCalls(plant: BenchPlant, hubUrl: string, first: number): Promise<number> {
  for (const sub of [plant.demo.urls.erp, plant.demo.urls.mes]) {
    const res = await fetch(sub.replace(/\/graphql$/, '/admin/cache/purge'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (!res.ok) throw new Error(`cache purge answered ${res.status}`);
  }
  await Promise.all([plant.erpApi, plant.mesApi].map((s) => fetch(`${s}/admin/reset-stats`, { method: 'POST' })));
  const res = await fetch(hubUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ORDER_PAGE_QUERY, variables: { first } }) });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`upstream-call check: ${JSON.stringify(body.errors).slice(0, 300)}`);
  const stats = await Promise.all([plant.erpApi, plant.mesApi].map(async (s) => ((await (await fetch(`${s}/admin/stats`)).json()) as { total: number }).total));
  return stats[0]! + stats[1]!;
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

function report(w: Workload, o: ThroughputOptions, rows: { t: Target; s: Summary }[]): string {
  const plain = rows.find((r) => r.t.key === 'plain')?.s.rps;
  const head = ['target', 'req/s', 'min-max', plain !== undefined ? 'x plain' : 'x first', 'p50 ms', 'p99 ms', 'gateway CPU ms/req', 'subgraphs+systems CPU ms/req', 'errors', 'wrong data'];
  const base = plain ?? rows[0]?.s.rps ?? NaN;
  const ratio = (x: number) => (base > 0 ? fmt(x / base, 2) : x > 0 ? 'inf' : 'n/a');
  const body = rows.map(({ t, s }) => [
    t.label,
    fmt(s.rps),
    `${fmt(s.rpsMin)}-${fmt(s.rpsMax)}`,
    ratio(s.rps),
    fmt(s.p50, 1),
    fmt(s.p99, 1),
    fmt(s.gatewayCpuMs, 2),
    fmt(s.backendCpuMs, 2),
    String(s.non2xx + s.graphqlErrors + s.failed),
    String(s.wrong),
  ]);
  const errors = rows.filter(({ s }) => s.firstError).map(({ t, s }) => `  ${t.label}: first error: ${s.firstError}`);
  return [
    `\n${w.name}: ${w.connections} keep-alive clients; per target and round ${o.warmupS} s warm-up + ${o.durationS} s measured; median of ${o.rounds} measured rounds after a discarded warm-up round, target order rotated each round`,
    '',
    table(head, body),
    ...errors,
  ].join('\n');
}

export async function benchThroughput(o: ThroughputOptions = throughputOptions()): Promise<void> {
  const lines: string[] = [];
  const say = (text: string) => {
    process.stdout.write(text + '\n');
    lines.push(text);
  };
  const raw: Record<string, Record<string, Measured[]>> = {};
  const failures: string[] = [];
  say(`npm run bench -- throughput${o.quick ? ' --quick (development run: not for figures)' : ''}\n${machine()}`);
  if (o.cpuProfDir) mkdirSync(o.cpuProfDir, { recursive: true });
  const plant = await startBenchPlant({ cpuProfDir: o.cpuProfDir });
  try {
    const { targets, missing } = await startTargets(plant, o.targets, say);
    for (const m of missing) say(`NOT MEASURED: ${m.label} cannot run here: ${m.reason}`);
    const hubPlain = targets.find((t) => t.key === 'hubNoCache') ?? targets.find((t) => t.key === 'hub');
    if (hubPlain) {
      const calls: string[] = [];
      for (const n of [5, 50, 500]) calls.push(`${n} orders: ${await upstreamCalls(plant, hubPlain.url, n)}`);
      say(`\nupstream calls (demo ERP + MES) for one ORDER_PAGE_QUERY with a cold cache, via ${hubPlain.label}: ${calls.join(', ')}`);
    }
    for (const w of WORKLOADS.filter((x) => o.workloads.includes(x.key))) {
      const ref = await referenceData(targets, w);
      for (const p of ref.problems) failures.push(`${w.key}: ${p}`);
      const results = new Map<string, Measured[]>(targets.map((t) => [t.key, []]));
      for (let round = 0; round <= o.rounds; round++) {
        // Round 0 warms every target up and is discarded; each round starts with another target.
        const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
        for (const t of order) {
          const r = await measure(
            {
              url: t.url,
              query: w.query,
              variables: w.variables,
              headers: t.headers,
              expected: ref.hash,
              connections: w.connections,
              warmupMs: (round === 0 ? Math.min(o.warmupS, 1) : o.warmupS) * 1000,
              durationMs: (round === 0 ? Math.min(o.durationS, 2) : o.durationS) * 1000,
            },
            t.gateway,
            t.backend,
          );
          if (round > 0) results.get(t.key)!.push(r);
        }
      }
      raw[w.key] = Object.fromEntries(results);
      const rows = targets.map((t) => ({ t, s: summarise(results.get(t.key)!) }));
      say(report(w, o, rows));
      for (const { t, s } of rows) {
        const bad = s.non2xx + s.graphqlErrors + s.failed + s.wrong;
        if (bad) failures.push(`${w.key}: ${t.label}: ${bad} failed or wrong answers (${s.firstError})`);
      }
      if (w.key === 'page50') say(verdict(rows));
    }
    say(`\ngateway memory (RSS MiB) after the run: ${targets.map((t) => `${t.label} ${fmt(groupRssMiB(t.gateway))}`).join('; ')}`);
    say(failures.length ? `\nFAILED:\n${failures.map((f) => `  ${f}`).join('\n')}` : '\nevery response of every target was checked: 0 errors, identical data');
  } finally {
    await plant.stop();
  }
  if (o.save) {
    const dir = new URL('./results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL('throughput.txt', dir), lines.join('\n') + '\n');
    writeFileSync(new URL('throughput.json', dir), JSON.stringify({ options: o, machine: machine(), rounds: raw }, null, 1) + '\n');
    process.stdout.write('saved bench/results/throughput.txt and throughput.json\n');
  }
  if (failures.length) process.exitCode = 1;
}

/** The issue's targets for the 50-order page, checked on this run's medians. */
function verdict(rows: { t: Target; s: Summary }[]): string {
  const rps = (k: TargetKey) => rows.find((r) => r.t.key === k)?.s.rps ?? NaN;
  const hub = rps('hub');
  const checks = [
    [`hub >= Hive + Rust planner`, hub / rps('hiveRust'), 1],
    [`hub >= 3 x plain Apollo (defaults)`, hub / rps('plain'), 3],
    [`hub > plain Apollo (tuned)`, hub / rps('plainTuned'), 1],
    [`hub with RESPONSE_CACHE=off >= Hive (JS planner)`, rps('hubNoCache') / rps('hive'), 1],
    // Not one of the targets: the hub with nothing shared between client requests, against the peers.
    [`hub with response cache and request coalescing off >= Hive (JS planner)`, rps('hubNoCoalescing') / rps('hive'), 1],
    [`hub with response cache and request coalescing off >= Hive + Rust planner`, rps('hubNoCoalescing') / rps('hiveRust'), 1],
  ] as const;
  return [
    'targets on this workload (ratio of medians):',
    ...checks.map(([name, ratio, need]) => `  ${name}: ${fmt(ratio, 2)} ${Number.isNaN(ratio) ? '(not measured)' : ratio >= need ? '(met)' : '(NOT met)'}`),
  ].join('\n');
}
