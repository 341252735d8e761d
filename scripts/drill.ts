/**
 * `npm run drill`: the fault drill. Starts the hub as separate processes with a Redis of its own, puts
 * a bounded load on the gateway (loopback only), and goes through the faults a plant meets: the ERP
 * down, the MES slowed to 2 s, Redis SIGKILLed and restarted, the MES subgraph SIGKILLed and restarted.
 * Per phase it prints error rate, p99, stale answers, events lost, confirmations lost or doubled and
 * the time to recover once the fault is gone. It fails (exit 1) on a crash, a lost or doubled event or
 * confirmation, a phase that does not recover by itself within RECOVERY_LIMIT_MS, or memory past
 * DRILL_MAX_RSS_MB.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startDrillPlant, type DrillPlant } from './drill/plant.ts';
import { bookings, confirmTarget } from './drill/checks.ts';
import { startConfirmations, startEvents, startLoad, type Sample } from './drill/probes.ts';

const FAULT_MS = Number(process.env.DRILL_FAULT_MS ?? 12_000);
const RECOVERY_LIMIT_MS = 60_000;
const SETTLE_MS = 60_000;
const MAX_RSS_MB = Number(process.env.DRILL_MAX_RSS_MB ?? 600);
/** An answer is healthy when complete and quick; recovery = 5 healthy answers in a row after the fault. */
const HEALTHY_MS = 1000;

interface PhaseResult {
  name: string;
  requests: number;
  errorRate: number;
  p99: number;
  stale: number;
  eventsLost: number;
  eventsDoubled: number;
  confirmations: number;
  /** Refused as bad input (the drill chose a bad target): a drill failure, not a hub one. */
  confirmationsRefused: number;
  confirmationsLost: number;
  confirmationsDoubled: number;
  recoveryMs: number | undefined;
  /** How long the killed process (or Redis) took to start again. */
  restartMs: number | undefined;
  maxRssMb: number;
}

const admin = (url: string, body?: unknown) =>
  fetch(`${url}/admin/faults`, { method: body ? 'POST' : 'DELETE', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });

function p99(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
}

async function main(): Promise<number> {
  const started = Date.now();
  process.stdout.write('starting the hub (5 processes + Redis)...\n');
  const plant = await startDrillPlant();
  let failed: string[] = [];
  try {
    const eq = ((await (await fetch(`${plant.mesApi}/api/v1/equipment?limit=1`)).json()) as { items: { id: string }[] }).items[0]!.id;
    const target = await confirmTarget(plant);
    const load = startLoad(plant.gateway, plant.auth);
    const events = startEvents(plant.gateway, plant.mesApi, eq, plant.auth);
    let maxRss = 0;
    const rssTimer = setInterval(() => (maxRss = Math.max(maxRss, ...Object.values(plant.rss()))), 1000);
    const results: PhaseResult[] = [];
    let eventsLostBefore = 0;
    let eventsDoubledBefore = 0;

    const phase = async (name: string, inject: () => Promise<void>, heal: () => Promise<void>, restarts = false) => {
      process.stdout.write(`phase: ${name}\n`);
      maxRss = 0;
      const t0 = Date.now();
      const confirmations = startConfirmations(plant.gateway, plant.auth, target, `${started}-${results.length}`);
      await inject();
      await sleep(FAULT_MS);
      const healStarted = Date.now();
      await heal();
      // Recovery counts from the fault's end: the system back, or the killed process up again (its start
      // time, a supervisor's business, is shown apart as `restart`).
      const healedAt = Date.now();
      const restartMs = restarts ? healedAt - healStarted : undefined;
      // Recovery: the first of 5 healthy answers in a row that all started after the fault was removed.
      let recoveryMs: number | undefined;
      while (Date.now() - healedAt < RECOVERY_LIMIT_MS && recoveryMs === undefined) {
        await sleep(200);
        const after = load.samples.filter((s) => s.at >= healedAt);
        for (let i = 0; i + 5 <= after.length; i++) {
          if (after.slice(i, i + 5).every((s) => s.ok && s.ms < HEALTHY_MS)) {
            recoveryMs = after[i]!.at - healedAt;
            break;
          }
        }
      }
      await confirmations.stop();
      const refused = confirmations.keys.filter((k) => k.refused);
      const keys = confirmations.keys.filter((k) => !k.refused).map((k) => k.key);
      // Settle: the relay delivers what waited in the outbox, the subscriber catches up on events.
      let booked = await bookings(plant, target, keys);
      for (const deadline = Date.now() + SETTLE_MS; Date.now() < deadline; ) {
        if ([...booked.values()].every((n) => n >= 1) && events.received + eventsLostBefore >= events.emitted) break;
        await sleep(1000);
        booked = await bookings(plant, target, keys);
      }
      const samples: Sample[] = load.samples.filter((s) => s.at >= t0);
      const lost = Math.max(0, events.emitted - events.received - eventsLostBefore);
      const result: PhaseResult = {
        name,
        requests: samples.length,
        errorRate: samples.length ? samples.filter((s) => !s.ok).length / samples.length : 0,
        p99: p99(samples.map((s) => s.ms)),
        stale: samples.filter((s) => s.stale).length,
        eventsLost: lost,
        eventsDoubled: events.duplicates - eventsDoubledBefore,
        confirmations: keys.length,
        confirmationsRefused: refused.length,
        confirmationsLost: [...booked.values()].filter((n) => n === 0).length,
        confirmationsDoubled: [...booked.values()].filter((n) => n > 1).length,
        recoveryMs,
        restartMs,
        maxRssMb: maxRss,
      };
      eventsLostBefore += lost;
      eventsDoubledBefore = events.duplicates;
      results.push(result);
      process.stdout.write(`  ${JSON.stringify(result)}\n`);
    };

    await phase('baseline (no fault)', async () => undefined, async () => undefined);
    await phase('ERP down', async () => void (await admin(plant.erpApi, { down: true })), async () => void (await admin(plant.erpApi)));
    await phase('MES slowed to 2 s', async () => void (await admin(plant.mesApi, { latencyMs: 2000 })), async () => void (await admin(plant.mesApi)));
    await phase('Redis SIGKILL + restart', async () => plant.kill('redis'), () => plant.start('redis'), true);
    await phase('MES subgraph SIGKILL + restart', async () => plant.kill('mes'), () => plant.start('mes'), true);

    clearInterval(rssTimer);
    await load.stop();
    await events.stop();
    printTable(results);
    failed = verdict(results);
  } catch (e) {
    failed.push(`drill aborted: ${(e as Error).message}`);
  } finally {
    if (plant.crashes.length) failed.push(...plant.crashes.map((c) => `crash: ${c}`));
    await plant.stop();
  }
  process.stdout.write(failed.length ? `\nFAILED\n${failed.map((f) => `  - ${f}`).join('\n')}\nlogs: ${plant.logDir}\n` : '\nPASSED: no crash, nothing lost or doubled, every phase recovered by itself, memory bounded.\n');
  return failed.length ? 1 : 0;
}

function printTable(results: PhaseResult[]): void {
  const head = ['phase', 'requests', 'errors', 'p99 ms', 'stale', 'events lost', 'conf. lost/doubled', 'restart', 'recovery', 'max RSS MB'];
  const rows = results.map((r, i) => [
    r.name,
    String(r.requests),
    `${(r.errorRate * 100).toFixed(1)}%`,
    String(r.p99),
    String(r.stale),
    `${r.eventsLost}${r.eventsDoubled ? ` (+${r.eventsDoubled} doubled)` : ''}`,
    `${r.confirmationsLost}/${r.confirmationsDoubled} of ${r.confirmations}`,
    r.restartMs === undefined ? '-' : `${(r.restartMs / 1000).toFixed(1)} s`,
    i === 0 ? '-' : r.recoveryMs === undefined ? 'NONE' : `${(r.recoveryMs / 1000).toFixed(1)} s`,
    String(r.maxRssMb),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`\nfault drill: ${FAULT_MS / 1000} s per fault, 4 query clients + 1 subscriber + 1 confirmation/s, loopback\n`);
  process.stdout.write([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n');
}

function verdict(results: PhaseResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.recoveryMs === undefined && r !== results[0]) out.push(`${r.name}: did not recover within ${RECOVERY_LIMIT_MS / 1000} s`);
    if (r.eventsLost || r.eventsDoubled) out.push(`${r.name}: ${r.eventsLost} events lost, ${r.eventsDoubled} doubled`);
    if (r.confirmationsLost || r.confirmationsDoubled) out.push(`${r.name}: ${r.confirmationsLost} confirmations lost, ${r.confirmationsDoubled} doubled`);
    if (r.confirmationsRefused) out.push(`${r.name}: ${r.confirmationsRefused} confirmations refused (the drill's target work order)`);
    if (r.maxRssMb > MAX_RSS_MB) out.push(`${r.name}: a process reached ${r.maxRssMb} MB (limit ${MAX_RSS_MB})`);
  }
  return out;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`drill failed to run: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
