/**
 * `tsx bench/profile.ts <dir> [top]`: a text summary of the V8 CPU profiles that
 * `BENCH_CPU_PROF=<dir> npm run bench -- throughput` leaves behind (one per hub process), for a quick
 * look without Chrome DevTools: self time by function and by package, largest profiles first.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package> (scoped too), the hub's own folder, or node's internals. */
function owner(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url === '') return '(native, gc)';
  if (url.startsWith('node:')) return 'node';
  const hub = /\/(gateway|lib|subgraphs|systems|bench)\/(.+)$/.exec(url);
  return hub ? `hub:${hub[1]}/${hub[2]}` : url;
}

function summarise(file: string, top: number): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|wt-[^/]+)\//, '')}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    pkgs.set(owner(f.url), (pkgs.get(owner(f.url)) ?? 0) + us);
  }
  // Total (inclusive) time of the hub's own functions: what each costs with everything it calls.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const counted = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (!owner(f.url).startsWith('hub:')) continue;
      const key = `${f.functionName || '(anonymous)'} ${owner(f.url).slice(4)}`;
      if (counted.has(key)) continue; // recursion counts once
      counted.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const rows = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `  ${pct(us)}  ${k}`);
  return [
    `${file}: ${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s (shares below are of busy time)`,
    ' by package:',
    ...rows(pkgs, 12),
    ' by function (self time):',
    ...rows(fns, top),
    " hub code, by function (total time, with what it calls):",
    ...rows(inclusive, top),
  ].join('\n');
}

const [dir, topArg] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: tsx bench/profile.ts <dir with .cpuprofile files> [top]\n');
  process.exit(2);
}
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => join(dir, f))
  .sort((a, b) => statSync(b).size - statSync(a).size);
for (const f of files) process.stdout.write(summarise(f, Number(topArg ?? 25)) + '\n\n');
