/** One measured load run against one target: the load generator's view plus the servers' CPU. */
import { spawn } from 'node:child_process';
import type { LoadOptions, LoadResult } from './load.ts';
import { groupCpuSeconds } from './processes.ts';

export interface Measured extends LoadResult {
  /** CPU milliseconds per request of the gateway's process(es), and of the subgraphs and systems behind it. */
  gatewayCpuMs: number;
  backendCpuMs: number;
}

/**
 * Runs the load generator in its own process, so its CPU use is not counted against the target, and
 * reads the CPU counters of the gateway and backend processes when the measured window opens and closes.
 */
export function measure(options: LoadOptions, gateway: number[], backend: number[]): Promise<Measured> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./load.ts', import.meta.url).pathname, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let atStart: { gw: number; be: number } | undefined;
    let atEnd: { gw: number; be: number } | undefined;
    const read = () => ({ gw: groupCpuSeconds(gateway), be: groupCpuSeconds(backend) });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (!atStart && out.includes('measure\n')) atStart = read();
      if (!atEnd && out.includes('end\n')) atEnd = read();
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      const end = atEnd ?? read();
      if (code !== 0) return fail(new Error(`load generator exited with ${code}`));
      try {
        const r = JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult;
        const start = atStart ?? { gw: NaN, be: NaN };
        done({ ...r, gatewayCpuMs: (1000 * (end.gw - start.gw)) / r.requests, backendCpuMs: (1000 * (end.be - start.be)) / r.requests });
      } catch (e) {
        fail(e as Error);
      }
    });
  });
}

export interface Summary {
  rounds: number;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  p50: number;
  p99: number;
  gatewayCpuMs: number;
  backendCpuMs: number;
  /** Totals over all measured rounds. */
  non2xx: number;
  graphqlErrors: number;
  failed: number;
  wrong: number;
  firstError: string | null;
}

const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

/** Medians over rounds (and the spread of req/s); error counts summed. */
export function summarise(rs: Measured[]): Summary {
  const sum = (k: 'non2xx' | 'graphqlErrors' | 'failed' | 'wrong') => rs.reduce((a, r) => a + r[k], 0);
  return {
    rounds: rs.length,
    rps: med(rs.map((r) => r.rps)),
    rpsMin: Math.min(...rs.map((r) => r.rps)),
    rpsMax: Math.max(...rs.map((r) => r.rps)),
    p50: med(rs.map((r) => r.p50)),
    p99: med(rs.map((r) => r.p99)),
    gatewayCpuMs: med(rs.map((r) => r.gatewayCpuMs)),
    backendCpuMs: med(rs.map((r) => r.backendCpuMs)),
    non2xx: sum('non2xx'),
    graphqlErrors: sum('graphqlErrors'),
    failed: sum('failed'),
    wrong: sum('wrong'),
    firstError: rs.find((r) => r.firstError)?.firstError ?? null,
  };
}

/** A text table, first column left-aligned, the rest right-aligned. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
