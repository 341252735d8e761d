/**
 * `npm run bench -- <name> [--quick] [--save]`: benchmarks print ratios measured side by side in one run
 * (these machines are shared and noisy; absolute numbers vary, ratios hold). Never part of `npm test`.
 */
import { benchCache } from './cache.ts';
import { benchHttpClients } from './http-clients.ts';
import { benchInvalidation } from './invalidation.ts';
import { benchScale } from './scale.ts';
import { benchThroughput } from './throughput.ts';

const BENCHES: Record<string, () => Promise<void>> = {
  cache: () => benchCache(),
  throughput: () => benchThroughput(),
  'reports-export': () => import('./reports-export.ts').then((m) => m.benchReportsExport()),
  invalidation: () => benchInvalidation(),
  scale: () => benchScale(),
  'http-clients': () => benchHttpClients(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
// Without a name: the throughput comparison (the other benches are asked for by name).
const names = wanted.length ? wanted : ['throughput'];
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(`== ${name} ==\n`);
  await bench();
}
process.exit(process.exitCode ?? 0);
