/** Start-up helpers for running a demo system as its own process (env read here only, never deeper). */
import { pathToFileURL } from 'node:url';
import type { RunningSystem, SystemNetOptions } from './server.ts';

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got '${raw}'`);
  return n;
}

/** HOST, ADMIN_TOKEN and NODE_ENV, as the hub's own servers read them. */
export function netFromEnv(): SystemNetOptions {
  return {
    host: process.env.HOST || '127.0.0.1',
    adminToken: process.env.ADMIN_TOKEN || undefined,
    production: process.env.NODE_ENV === 'production',
  };
}

export function isMain(moduleUrl: string): boolean {
  return !!process.argv[1] && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/** Starts the system, logs one JSON line, and closes it cleanly on SIGINT/SIGTERM. */
export function runSystem(name: string, start: () => Promise<RunningSystem>, details: Record<string, unknown>): void {
  start().then(
    (s) => {
      process.stdout.write(`${JSON.stringify({ level: 'info', msg: `${name} listening`, url: s.url, ...details })}\n`);
      const stop = (): void => void s.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (e: unknown) => {
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: `${name} failed to start`, error: String(e) })}\n`);
      process.exit(1);
    },
  );
}
