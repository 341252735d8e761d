/** Start-up helpers for running a demo system as its own process (its settings come from lib/config.ts). */
import { pathToFileURL } from 'node:url';
import type { RunningSystem } from './server.ts';

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
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: `${name} failed to start`, err: String(e) })}\n`);
      process.exit(1);
    },
  );
}
