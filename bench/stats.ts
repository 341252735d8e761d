/** Percentiles and a side-by-side table: every benchmark prints ratios measured in the same run. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface Sample {
  name: string;
  latenciesMs: number[];
  upstreamCalls: number;
  requests: number;
}

export function summarise(s: Sample) {
  const sorted = [...s.latenciesMs].sort((a, b) => a - b);
  return {
    name: s.name,
    requests: s.requests,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    callsPerRequest: s.upstreamCalls / s.requests,
  };
}

export function printTable(rows: ReturnType<typeof summarise>[]): void {
  const head = ['case', 'requests', 'p50 ms', 'p99 ms', 'upstream calls/request'];
  const body = rows.map((r) => [r.name, String(r.requests), r.p50.toFixed(2), r.p99.toFixed(2), r.callsPerRequest.toFixed(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write([line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n');
}
