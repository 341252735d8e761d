/**
 * The plant the fault drill runs: the hub as separate processes (as an operator runs them), with a
 * Redis of its own (AOF on, fsync always, so a SIGKILL loses nothing acknowledged) that the drill may
 * kill. The drill plays the supervisor: it restarts what it killed, nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintToken } from '../../lib/auth/demo-tokens.ts';
import { freePort } from '../../test/support/processes.ts';

export type Piece = 'erp-api' | 'mes-api' | 'erp' | 'mes' | 'gateway';
const ENTRY: Record<Piece, string> = {
  'erp-api': 'systems/erp/server.ts',
  'mes-api': 'systems/mes/server.ts',
  erp: 'subgraphs/erp/server.ts',
  mes: 'subgraphs/mes/server.ts',
  gateway: 'gateway/server.ts',
};
const ROOT = new URL('../..', import.meta.url).pathname;

export interface DrillPlant {
  gateway: string;
  erpApi: string;
  mesApi: string;
  /** `Authorization` header of an operator (production:write). */
  auth: Record<string, string>;
  /** Folder with each process's log (kept when the drill fails). */
  logDir: string;
  kill(piece: Piece | 'redis'): void;
  start(piece: Piece | 'redis'): Promise<void>;
  /** Resident memory (MB) of each hub process now (0 when not running). */
  rss(): Record<Piece, number>;
  /** Processes that exited without being killed by the drill. */
  crashes: string[];
  stop(): Promise<void>;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up in ${timeoutMs} ms`);
    await sleep(200);
  }
}

const redisPing = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => (s.destroy(), resolve(d.toString().startsWith('+PONG'))));
    s.once('error', () => resolve(false));
  });

export async function startDrillPlant(): Promise<DrillPlant> {
  const logDir = mkdtempSync(path.join(tmpdir(), 'hub-drill-'));
  const ports = { redis: await freePort(), gateway: await freePort(), erp: await freePort(), mes: await freePort(), erpApi: await freePort(), mesApi: await freePort() };
  const secret = randomBytes(32).toString('base64url');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
    CACHE_PREFIX: 'drill',
    GATEWAY_PORT: String(ports.gateway),
    ERP_SUBGRAPH_PORT: String(ports.erp),
    MES_SUBGRAPH_PORT: String(ports.mes),
    ERP_API_PORT: String(ports.erpApi),
    MES_API_PORT: String(ports.mesApi),
    ERP_API_URL: `http://127.0.0.1:${ports.erpApi}`,
    MES_API_URL: `http://127.0.0.1:${ports.mesApi}`,
    MES_SIMULATE: 'off',
    JWT_SECRET: secret,
    SUBGRAPH_SIGNING_SECRET: secret,
    AUDIT_LOG: 'off',
    LOG_LEVEL: 'warn',
    // Demo mode: the demo systems' admin API (faults, the terminal) stays open to the drill.
    NODE_ENV: '',
    ADMIN_TOKEN: '',
  };
  const running = new Map<Piece | 'redis', ChildProcess>();
  const killed = new Set<ChildProcess>();
  const crashes: string[] = [];

  const spawnPiece = (piece: Piece | 'redis'): ChildProcess => {
    const log = openSync(path.join(logDir, `${piece}.log`), 'a');
    const child =
      piece === 'redis'
        ? spawn('redis-server', ['--port', String(ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', logDir], { stdio: ['ignore', log, log] })
        : spawn(process.execPath, ['--import', 'tsx', ENTRY[piece]], { cwd: ROOT, env, stdio: ['ignore', log, log] });
    child.on('exit', (code, signal) => {
      if (!killed.has(child)) crashes.push(`${piece} exited (${signal ?? code})`);
      if (running.get(piece) === child) running.delete(piece);
    });
    running.set(piece, child);
    return child;
  };
  const url = (port: number, p: string) => `http://127.0.0.1:${port}${p}`;
  const up: Record<Piece | 'redis', () => Promise<boolean>> = {
    redis: () => redisPing(ports.redis),
    'erp-api': async () => (await fetch(url(ports.erpApi, '/odata/Materials?$top=1'))).ok,
    'mes-api': async () => (await fetch(url(ports.mesApi, '/api/v1/equipment?limit=1'))).ok,
    erp: async () => (await fetch(url(ports.erp, '/health'))).ok,
    mes: async () => (await fetch(url(ports.mes, '/health'))).ok,
    gateway: async () => (await fetch(url(ports.gateway, '/ready'))).ok,
  };
  const start = async (piece: Piece | 'redis') => {
    spawnPiece(piece);
    await waitUntil(up[piece], piece);
  };
  const stop = async () => {
    for (const [, child] of running) {
      killed.add(child);
      child.kill('SIGTERM');
    }
    await sleep(1500);
    for (const [, child] of running) child.kill('SIGKILL');
    if (crashes.length === 0) rmSync(logDir, { recursive: true, force: true });
  };
  try {
    await start('redis');
    await Promise.all([start('erp-api'), start('mes-api')]);
    await Promise.all([start('erp'), start('mes')]);
    await start('gateway');
  } catch (e) {
    await stop();
    throw e;
  }
  const token = await mintToken(secret, 'erp-mes-hub', { sub: 'drill', roles: ['operator'] });
  return {
    gateway: url(ports.gateway, '/graphql'),
    erpApi: url(ports.erpApi, ''),
    mesApi: url(ports.mesApi, ''),
    auth: { authorization: `Bearer ${token}` },
    logDir,
    crashes,
    kill(piece) {
      const child = running.get(piece);
      if (!child) return;
      killed.add(child);
      child.kill('SIGKILL');
      running.delete(piece);
    },
    start,
    rss() {
      const out = {} as Record<Piece, number>;
      for (const piece of Object.keys(ENTRY) as Piece[]) {
        const pid = running.get(piece)?.pid;
        let kb = 0;
        try {
          kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        } catch {
          /* not running, or not Linux */
        }
        out[piece] = Math.round(kb / 1024);
      }
      return out;
    },
    stop,
  };
}
