import { pathToFileURL } from 'node:url';
import { ConfigError } from './config.ts';

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && moduleUrl === pathToFileURL(entry).href;
}

/**
 * Runs a process entry point: a bad configuration prints one clear line and exits 2; SIGINT/SIGTERM
 * close the servers before exiting so sockets and Redis connections are released.
 */
export function runMain(start: () => Promise<{ close(): Promise<void> }>): void {
  start().then(
    (running) => {
      let closing = false;
      const stop = () => {
        if (closing) return;
        closing = true;
        running.close().finally(() => process.exit(0));
        setTimeout(() => process.exit(0), 5000).unref();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err: unknown) => {
      if (err instanceof ConfigError) {
        process.stderr.write(`configuration error: ${err.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
