/**
 * `npm run bench -- scale`: the hub at plant scale, each figure with its command.
 *
 * 1. DEMO_SCALE=10 (13,000 orders): a full `reconciliation` (time, MES subgraph memory before and
 *    after), then the 500-order page under 16 clients with RESPONSE_CACHE=off (p50/p99).
 * 2. Live: SCALE_SUBSCRIBERS (1000) graphql-ws subscribers to `productionOrderProgress(plant: "1000")`
 *    selecting SCALE_FIELDS (`eventId occurredAt producedQuantity`),
 *    SCALE_EVENT_RATE (200) progress reports per second through the demo MES's `POST /admin/progress`
 *    for SCALE_SECONDS (30): event-to-client latency (from the MES's `occurredAt` to arrival), events
 *    lost (every subscriber must receive every event), gateway memory before and after.
 * The subscribers run in this process, the servers in their own (bench/processes.ts). BENCH_CPU_PROF=<dir>:
 * V8 CPU profiles of the hub's processes for the live part (`tsx bench/profile.ts <dir>`).
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { resolve } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { runLoad } from './load.ts';
import { groupCpuSeconds, groupRssMiB, startBenchPlant } from './processes.ts';
import { percentile } from './stats.ts';
import { startTargets } from './targets.ts';
import { machine } from './throughput.ts';
import { ORDER_PAGE_QUERY } from './workloads.ts';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const say = (line: string) => process.stdout.write(line + '\n');

async function gql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  // Answers are read field by field below; typing each would add nothing.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 400));
  return body.data;
}

async function atScale(): Promise<void> {
  say('\n-- DEMO_SCALE=10 --');
  const t0 = performance.now();
  const plant = await startBenchPlant({ demoScale: 10 });
  try {
    say(`plant up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const { targets } = await startTargets(plant, ['hubNoCache'], say);
    const hub = targets[0]!;
    const count = await gql(hub.url, '{ productionOrders(first: 1) { totalCount } }');
    const mesSubgraph = [plant.demo.pgids[1]!];
    const before = groupRssMiB(mesSubgraph);
    for (const round of ['cold', 'again']) {
      const t = performance.now();
      const r = await gql(hub.url, '{ reconciliation(first: 500) { totalCount edges { node { kind severity } } } }');
      say(
        `reconciliation (${round}) over ${count.productionOrders.totalCount} orders: ${((performance.now() - t) / 1000).toFixed(2)} s, ` +
          `${r.reconciliation.totalCount} discrepancies; MES subgraph RSS ${before.toFixed(0)} -> ${groupRssMiB(mesSubgraph).toFixed(0)} MiB`,
      );
    }
    await runLoad({ url: hub.url, query: ORDER_PAGE_QUERY, variables: { first: 500 }, connections: 16, warmupMs: 3000, durationMs: 1000 });
    const r = await runLoad({ url: hub.url, query: ORDER_PAGE_QUERY, variables: { first: 500 }, connections: 16, warmupMs: 1000, durationMs: 15_000 });
    say(
      `500-order page, 16 clients, RESPONSE_CACHE=off, 15 s: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, ` +
        `errors ${r.non2xx + r.graphqlErrors + r.failed}, wrong ${r.wrong}; gateway RSS ${groupRssMiB(hub.gateway).toFixed(0)} MiB`,
    );
  } finally {
    await plant.stop();
  }
}

async function live(): Promise<void> {
  const subscribers = num('SCALE_SUBSCRIBERS', 1000);
  const rate = num('SCALE_EVENT_RATE', 200);
  const seconds = num('SCALE_SECONDS', 30);
  // `producedQuantity` costs a federated read per event (batched); `eventId occurredAt` alone measures the fan-out.
  const fields = process.env.SCALE_FIELDS ?? 'eventId occurredAt producedQuantity';
  say(`\n-- ${subscribers} subscribers, ${rate} events/s for ${seconds} s, selection { ${fields} } --`);
  const cpuProfDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const plant = await startBenchPlant({ cpuProfDir });
  const clients: Client[] = [];
  try {
    const { targets } = await startTargets(plant, ['hub'], say);
    const hub = targets[0]!;
    // Running work orders of plant 1000 with an open operation: zero-quantity reports are events that
    // change nothing, so the run can last as long as asked.
    const jobs = ((await (await fetch(`${plant.mesApi}/api/v1/job-orders?status=RUNNING&site=1000&limit=1000`)).json()) as { items: { id: string }[] }).items;
    if (jobs.length === 0) throw new Error('no running work orders in plant 1000');
    const rssBefore = groupRssMiB(hub.gateway);
    const received: Map<string, number>[] = [];
    const latencies: number[] = [];
    /** From `occurredAt` to the event's append to the hub's stream (its id is the append time): the bridge's share. */
    const toStream: number[] = [];
    let errors = 0;
    /** The first error a subscriber got, printed with the count. */
    let firstError: string | undefined;
    const failed = (what: unknown) => {
      errors++;
      firstError ??= JSON.stringify(what).slice(0, 300);
    };
    const closes = new Map<string, number>();
    const url = hub.url.replace(/^http/, 'ws');
    const subscribe = (i: number) => {
      // A closed connection is counted below (its events are missing), not printed by graphql-ws's default.
      const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
      clients.push(client);
      const seen = new Map<string, number>();
      received[i] = seen;
      return new Promise<void>((ready, fail) => {
        client.on('connected', () => ready());
        client.on('closed', (e) => {
          const { code, reason } = e as { code?: number; reason?: string };
          closes.set(`${code} ${reason}`, (closes.get(`${code} ${reason}`) ?? 0) + 1);
          fail(new Error(`subscriber ${i} closed: ${code} ${reason}`));
        });
        client.subscribe(
          { query: `subscription { productionOrderProgress(plant: "1000") { ${fields} } }` },
          {
            next: (r) => {
              const e = (r.data as { productionOrderProgress?: { eventId: string; occurredAt: string } } | null)?.productionOrderProgress;
              if (!e) return failed(r.errors ?? r);
              seen.set(e.eventId, (seen.get(e.eventId) ?? 0) + 1);
              if (i % 10 === 0) latencies.push(Date.now() - Date.parse(e.occurredAt));
              if (i === 0) toStream.push(Number(e.eventId.split('-')[0]) - Date.parse(e.occurredAt));
            },
            error: (err) => failed(err instanceof Error ? err.message : err),
            complete: () => undefined,
          },
        );
      });
    };
    // Boards come up over a few seconds, not in one instant: waves of 50 connections.
    for (let i = 0; i < subscribers; i += 50) await Promise.all(Array.from({ length: Math.min(50, subscribers - i) }, (_, k) => subscribe(i + k)));
    // Subscriptions register after `connected`: wait until the gateway counts all of them.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const text = await (await fetch(hub.url.replace('/graphql', '/metrics'))).text();
      if (Number(/^hub_subscriptions_active\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0) >= subscribers) break;
      if (Date.now() > deadline) throw new Error('subscriptions did not all register in 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const emitted: number[] = [];
    let postErrors = 0;
    const start = performance.now();
    const cpuAtStart = { gateway: groupCpuSeconds(hub.gateway), backend: groupCpuSeconds(hub.backend), clients: process.cpuUsage() };
    for (let n = 0; n < rate * seconds; n++) {
      const due = start + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const body = JSON.stringify({ workOrderId: jobs[n % jobs.length]!.id, goodQuantity: 0, scrapQuantity: 0 });
      const req = http.request(`${plant.mesApi}/admin/progress`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? emitted.push(n) : postErrors++));
      });
      req.on('error', () => postErrors++);
      req.end(body);
    }
    const sendSeconds = (performance.now() - start) / 1000;
    // Every subscriber must see every event. Late is not lost: wait while deliveries still progress.
    const expected = () => Math.max(...received.map((m) => m.size));
    const delivered = () => received.reduce((a, m) => a + m.size, 0);
    const want = () => Math.max(expected(), emitted.length) * subscribers;
    for (let last = -1, stalledSince = Date.now(); delivered() < want() && Date.now() - stalledSince < 10_000; ) {
      if (delivered() !== last) [last, stalledSince] = [delivered(), Date.now()];
      await new Promise((r) => setTimeout(r, 500));
    }
    const drainSeconds = (performance.now() - start) / 1000 - sendSeconds;
    const wall = (performance.now() - start) / 1000;
    const clientsCpu = process.cpuUsage(cpuAtStart.clients);
    const cpu = {
      gateway: groupCpuSeconds(hub.gateway) - cpuAtStart.gateway,
      backend: groupCpuSeconds(hub.backend) - cpuAtStart.backend,
      clients: (clientsCpu.user + clientsCpu.system) / 1e6,
    };
    const most = Math.max(expected(), emitted.length);
    const lost = received.reduce((a, m) => a + Math.max(0, most - m.size), 0);
    latencies.sort((a, b) => a - b);
    toStream.sort((a, b) => a - b);
    say(
      `emitted ${emitted.length} events in ${sendSeconds.toFixed(1)} s (${(emitted.length / sendSeconds).toFixed(0)}/s, ${postErrors} refused); ` +
        `delivered ${delivered()} of ${most * subscribers} (the last ${drainSeconds.toFixed(0)} s after the last event); events lost: ${lost}; subscription errors: ${errors}`,
    );
    if (firstError) say(`first subscription error: ${firstError}`);
    if (closes.size) say(`connections closed by the gateway: ${[...closes].map(([why, n]) => `${n} x ${why}`).join(', ')}`);
    say(`event-to-client latency (every 10th subscriber): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms`);
    say(`  of which MES -> hub stream (the bridge): p50 ${percentile(toStream, 50)} ms, p99 ${percentile(toStream, 99)} ms, max ${toStream[toStream.length - 1]} ms`);
    say(
      `CPU seconds over the ${wall.toFixed(0)} s: gateway ${cpu.gateway.toFixed(1)}, subgraphs + demo systems ${cpu.backend.toFixed(1)}, ` +
        `the ${subscribers} subscribers (this process) ${cpu.clients.toFixed(1)}; load average now ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
    );
    say(`gateway RSS: ${rssBefore.toFixed(0)} MiB with ${subscribers} subscribers before the events, ${groupRssMiB(hub.gateway).toFixed(0)} MiB after`);
    agent.destroy();
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await plant.stop();
  }
}

export async function benchScale(): Promise<void> {
  say(`npm run bench -- scale\n${machine()}`);
  const parts = (process.env.SCALE_PARTS ?? 'scale10,live').split(',');
  if (parts.includes('scale10')) await atScale();
  if (parts.includes('live')) await live();
}
