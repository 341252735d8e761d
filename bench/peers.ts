/**
 * The gateways the hub is compared with. Hive Gateway (JS query planner, and with Hive Router's Rust
 * planner: `--hive-router-runtime`, a prebuilt napi binary inside its npm package, no install script)
 * lives in bench/peers with its own lockfile, installed on first use, so that the hub's own `npm ci`
 * stays lean and quiet on Node 20 (several of Hive's dependencies declare Node >= 22.15 while running
 * on 20; the bench checks that they answer, and says so when they cannot).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startProcess, type Proc } from '../test/support/processes.ts';

const PEERS_DIR = fileURLToPath(new URL('./peers/', import.meta.url));
const HIVE_BIN = `${PEERS_DIR}node_modules/@graphql-hive/gateway/dist/bin.js`;

/** `npm ci --prefix bench/peers` unless already installed; answers why the peers cannot run, or null. */
export function ensurePeers(log: (line: string) => void): string | null {
  if (!existsSync(HIVE_BIN)) {
    log('installing the bench peers once: npm ci --prefix bench/peers --ignore-scripts (about 3 minutes)');
    try {
      // No install scripts: the Rust planner's binary ships inside its package.
      execFileSync('npm', ['ci', '--prefix', PEERS_DIR, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
    } catch (e) {
      return `npm ci --prefix bench/peers failed: ${(e as Error).message}`;
    }
  }
  return existsSync(HIVE_BIN) ? null : `${HIVE_BIN} is missing after npm ci`;
}

/** The checked-in supergraph with the subgraph URLs of this run (Hive reads URLs from the file). */
export function supergraphFor(urls: { erp: string; mes: string }, into: string): string {
  const sdl = readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8')
    .replace('http://127.0.0.1:4001/graphql', urls.erp)
    .replace('http://127.0.0.1:4002/graphql', urls.mes);
  if (!sdl.includes(urls.erp) || !sdl.includes(urls.mes)) throw new Error('supergraph subgraph URLs not found');
  writeFileSync(into, sdl);
  return into;
}

/** Hive Gateway with its defaults (as its docs start it), on 127.0.0.1:`port`. */
export function startHive(supergraphFile: string, port: number, rust: boolean): Proc {
  const args = [HIVE_BIN, 'supergraph', supergraphFile, '--host', '127.0.0.1', '--port', String(port)];
  if (rust) args.push('--hive-router-runtime');
  return startProcess(process.execPath, args, { NODE_ENV: 'production' });
}
