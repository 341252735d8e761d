/**
 * The throughput benchmark's load generator, run as a process of its own (`node --import tsx
 * bench/load.ts '<json options>'`) so that its CPU is not the measured server's. N clients, each with a
 * keep-alive socket, POST one GraphQL request after another for a warm-up and then a measured window;
 * it prints `measure` when the window opens and the result as one JSON line at its end.
 *
 * Every response is checked: a 2xx status, no `errors`, and `data` equal to the expected data (its
 * sha256). A response byte-identical to one already checked passes at the cost of a string compare;
 * any other is parsed and compared in full. A wrong answer is counted, never as throughput.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { isMain } from '../lib/main.ts';
import { percentile } from './stats.ts';

export interface LoadOptions {
  url: string;
  query: string;
  variables: Record<string, unknown>;
  headers?: Record<string, string>;
  /** sha256 of the expected `data` (JSON as the reference gateway printed it); null: take the first answer's. */
  expected?: string | null;
  connections: number;
  warmupMs: number;
  durationMs: number;
  onMeasure?: () => void;
  /** Called when the measured window closes (the runner reads the servers' CPU counters then). */
  onEnd?: () => void;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Responses with a status outside 2xx. */
  non2xx: number;
  /** 2xx responses carrying an `errors` field (or no data). */
  graphqlErrors: number;
  /** Requests that got no response (socket errors). */
  failed: number;
  /** 2xx answers without errors whose data differs from the expected data. */
  wrong: number;
  /** sha256 of the first response's `data`, so the runner can check every target answers the same. */
  dataHash: string | null;
  /** The first error seen, for the report. */
  firstError: string | null;
}

/** sha256 of a response's `data` as printed (key order as the gateway wrote it). */
/**
 * Fields computed from the wall clock: `expectedEnd` carries an order's observed rate on from now, so
 * two right answers a second apart differ in it (and a cached answer holds the one it was built with).
 * The check compares everything else.
 */
const CLOCK_FIELDS = new Set(['expectedEnd']);

export function dataHash(data: unknown): string {
  const text = JSON.stringify(data, (key, value: unknown) => (CLOCK_FIELDS.has(key) && value !== null ? 'clock' : value));
  return createHash('sha256').update(text).digest('hex');
}

function post(agent: http.Agent, url: URL, body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const url = new URL(o.url);
  const body = Buffer.from(JSON.stringify({ query: o.query, variables: o.variables }));
  // One socket per client, reused for every request: the peers are measured the same way.
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const start = performance.now();
  const measureFrom = start + o.warmupMs;
  const end = measureFrom + o.durationMs;
  const latencies: number[] = [];
  const r = { non2xx: 0, graphqlErrors: 0, failed: 0, wrong: 0, dataHash: o.expected ?? null, firstError: null as string | null };
  // Answers already checked in full; a few distinct texts at most (pretty vs compact, extensions).
  const good = new Set<string>();
  const fail = (counter: 'non2xx' | 'graphqlErrors' | 'failed' | 'wrong', detail: string, counted: boolean) => {
    if (counted) r[counter]++;
    r.firstError ??= detail.slice(0, 300);
  };
  const check = (status: number, text: string, counted: boolean) => {
    if (status < 200 || status >= 300) return fail('non2xx', `HTTP ${status}: ${text}`, counted);
    if (good.has(text)) return;
    let parsed: { data?: unknown; errors?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return fail('graphqlErrors', `not JSON: ${text}`, counted);
    }
    if (parsed.errors !== undefined || parsed.data == null) return fail('graphqlErrors', text, counted);
    const hash = dataHash(parsed.data);
    r.dataHash ??= hash;
    if (hash !== r.dataHash) return fail('wrong', `data differs from the expected data: ${text}`, counted);
    if (good.size < 16) good.add(text);
  };
  // Tells the runner when the measured window opens, so it can read the servers' CPU counters then.
  const marker = setTimeout(() => o.onMeasure?.(), o.warmupMs);
  const endMarker = setTimeout(() => o.onEnd?.(), o.warmupMs + o.durationMs);
  const client = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      try {
        const res = await post(agent, url, body, o.headers ?? {});
        const t1 = performance.now();
        // Answers completed inside the window count, whenever they were asked: a gateway slower than the
        // window still shows its true rate (a closed loop: each client asks again at once).
        const counted = t1 >= measureFrom && t1 <= end;
        if (counted) latencies.push(t1 - t0);
        check(res.status, res.text, counted);
      } catch (e) {
        fail('failed', (e as Error).message, performance.now() >= measureFrom);
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: o.connections }, client));
  clearTimeout(marker);
  clearTimeout(endMarker);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rps: latencies.length / (o.durationMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ...r,
  };
}

if (isMain(import.meta.url)) {
  const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
  runLoad({ ...options, onMeasure: () => process.stdout.write('measure\n'), onEnd: () => process.stdout.write('end\n') }).then(
    (result) => process.stdout.write(JSON.stringify(result) + '\n'),
    (e: unknown) => {
      process.stderr.write(`load generator failed: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
