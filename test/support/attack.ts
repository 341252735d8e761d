/**
 * Helpers for the attack suite (test/security-attacks/): the hub as deployed (production mode, the
 * gateway in a process of its own so its memory can be read), a watcher that polls `/health` and the
 * gateway's RSS while an attack runs, and raw senders for bodies no well-behaved client would send.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, expect } from 'vitest';
import { type Hub, startHub } from './hub.ts';
import { freePort, waitFor } from './processes.ts';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { wsUrl, type Json } from './live.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  url: string;
  base: string;
  child: ChildProcess;
  output(): string;
  /** Resident memory of the gateway process, in MiB (from /proc). */
  rssMb(): number;
  stop(): Promise<void>;
}

/** Systems and subgraphs in this process (production mode); no gateway: start one with `startGatewayProcess`. */
export function startAttackHub(env: Record<string, string> = {}): Promise<Hub> {
  return startHub({ gateways: 0, env: { NODE_ENV: 'production', ...env } });
}

/** The gateway alone, as `npm run start:gateway` runs it, on the hub's subgraphs and secrets. */
export async function startGatewayProcess(hub: Hub, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const port = await freePort();
  const c = hub.config;
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      GATEWAY_PORT: String(port),
      ERP_SUBGRAPH_URL: hub.erpSubgraph,
      MES_SUBGRAPH_URL: hub.mesSubgraph,
      JWT_SECRET: c.security.jwtSecret!,
      SUBGRAPH_SIGNING_SECRET: c.security.subgraphSigningSecret!,
      ...(c.redisUrl ? { REDIS_URL: c.redisUrl, CACHE_PREFIX: c.cachePrefix } : {}),
      AUDIT_LOG: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
  child.stderr?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${base}/health`, 60_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`gateway process did not start: ${(e as Error).message}\n${out}`);
  }
  return {
    url: `${base}/graphql`,
    base,
    child,
    output: () => out,
    rssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export interface Watched<T> {
  result: T;
  /** Slowest `/health` answer while the attack ran (ms). */
  maxHealthMs: number;
  healthChecks: number;
  baselineRssMb: number;
  peakRssMb: number;
  /** The gateway process was still running at the end. */
  alive: boolean;
}

/**
 * Runs `attack` while polling the gateway's `/health` (every 50 ms, each answer timed) and its RSS.
 * The point is not speed on a shared machine but that no attack blocks the event loop for seconds or
 * makes memory grow without bound.
 */
export async function watch<T>(gw: GatewayProcess, attack: () => Promise<T>): Promise<Watched<T>> {
  const baselineRssMb = gw.rssMb();
  let peakRssMb = baselineRssMb;
  let maxHealthMs = 0;
  let healthChecks = 0;
  let running = true;
  const poller = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        await fetch(`${gw.base}/health`, { signal: AbortSignal.timeout(30_000) });
      } catch {
        maxHealthMs = Math.max(maxHealthMs, 30_000);
      }
      maxHealthMs = Math.max(maxHealthMs, performance.now() - t0);
      healthChecks++;
      if (gw.child.exitCode === null) peakRssMb = Math.max(peakRssMb, gw.rssMb());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  let result: T;
  try {
    result = await attack();
  } finally {
    // The check in flight when the attack ends counts: a blocked event loop shows exactly there.
    running = false;
    await poller;
  }
  const alive = gw.child.exitCode === null && gw.child.signalCode === null;
  // ATTACK_REPORT=1 prints the figures of each attack.
  if (process.env.ATTACK_REPORT) {
    const fig = { maxHealthMs: Math.round(maxHealthMs), healthChecks, baselineRssMb: Math.round(baselineRssMb), peakRssMb: Math.round(peakRssMb) };
    process.stdout.write(`attack figures ${expect.getState().currentTestName ?? ''}: ${JSON.stringify(fig)}\n`);
  }
  // At least one /health answer overlapped the attack (the first check starts with it).
  expect(healthChecks).toBeGreaterThan(0);
  return { result, maxHealthMs, healthChecks, baselineRssMb, peakRssMb, alive };
}

/** Generous bounds for a shared 2-core machine: no multi-second stall, no runaway memory. */
export const HEALTH_BOUND_MS = 2500;
export const RSS_GROWTH_BOUND_MB = 256;

export interface RawAnswer {
  status: number;
  body: string;
  /** Bytes the client managed to send before the answer (or the cut). */
  sent: number;
}

/**
 * POSTs `total` bytes of `fill` (or of a JSON-looking prefix and filler) in chunks with back-pressure,
 * stopping as soon as the server answers. The server may cut the connection after answering: that is
 * the point, and not an error here.
 */
export function sendHugeBody(url: string, total: number, headers: Record<string, string>, opts: { declareLength?: boolean } = {}): Promise<RawAnswer> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(opts.declareLength ? { 'content-length': String(total) } : {}), ...headers },
    });
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body, sent }));
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    (async () => {
      req.write('{"query":"');
      while (sent < total && !answered && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          await new Promise<void>((r) => {
            const done = () => {
              req.off('drain', done);
              req.off('close', done);
              r();
            };
            req.on('drain', done);
            req.on('close', done);
          });
        }
      }
      if (!answered && !req.destroyed) req.end('"}');
    })().catch(() => undefined);
  });
}

/** One operation over every transport the gateway serves, each answer as JSON (SSE: the first event). */
export const TRANSPORTS = ['post', 'get', 'ws', 'sse'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export async function runOver(
  transport: Transport,
  gw: GatewayProcess,
  body: { query: string; variables?: Record<string, unknown> },
  headers: Record<string, string>,
): Promise<{ status?: number; errors?: Json[]; data?: Json; bytes: number }> {
  if (transport === 'post' || transport === 'get') {
    const url = new URL(gw.url);
    if (transport === 'get') {
      url.searchParams.set('query', body.query);
      if (body.variables) url.searchParams.set('variables', JSON.stringify(body.variables));
    }
    const res = await fetch(url, {
      method: transport === 'get' ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...headers },
      ...(transport === 'post' ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const json = JSON.parse(text) as Json;
    return { status: res.status, errors: json.errors, data: json.data, bytes: text.length };
  }
  if (transport === 'ws') {
    // Not lazy: the socket stays open until dispose, so a refused operation never races a lazy close.
    const client = createWsClient({ url: wsUrl(gw.url), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined, connectionParams: headers });
    try {
      return await new Promise((resolve, reject) => {
        client.subscribe(body, {
          next: (r) => resolve({ errors: r.errors as Json[], data: r.data, bytes: JSON.stringify(r).length }),
          error: (e) => (Array.isArray(e) ? resolve({ errors: e as Json[], bytes: JSON.stringify(e).length }) : reject(e)),
          complete: () => undefined,
        });
      });
    } finally {
      await client.dispose();
    }
  }
  const res = await fetch(`${gw.base}/graphql/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    const json = JSON.parse(text) as Json;
    return { status: res.status, errors: json.errors, data: json.data, bytes: text.length };
  }
  const data = /^data: (.*)$/m.exec(text)?.[1];
  const json = data ? (JSON.parse(data) as Json) : {};
  return { status: res.status, errors: json.errors, data: json.data, bytes: text.length };
}

/** A graphql-sse client (distinct connections) on the gateway process. */
export const sseClient = (gw: GatewayProcess, headers: Record<string, string>) =>
  createSseClient({ url: `${gw.base}/graphql/stream`, headers, retryAttempts: 0 });

/**
 * The attack files' fixture: a production hub with its gateway as a process of its own for the enclosing
 * describe block, handed to `use` once started, stopped after the block.
 */
export function withAttackGateway(use: (hub: Hub, gw: GatewayProcess) => void): void {
  let hub: Hub | undefined;
  let gw: GatewayProcess | undefined;
  beforeAll(async () => {
    hub = await startAttackHub();
    gw = await startGatewayProcess(hub);
    use(hub, gw);
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await hub?.close();
  });
}
