/**
 * Runs a report and streams its rows as CSV (csv-stringify) or as a JSON array. The first page is read
 * before anything is sent, so a refused or failing report answers a proper status with GraphQL-shaped
 * errors; later pages stream with backpressure (stream.pipeline), one page in memory at a time.
 * A failure after the first page aborts the response: a truncated table must not look complete.
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Report } from './catalog.ts';

export interface ExecutionOutcome {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

/** Runs the report's operation once with these variables, as the caller. */
export type Execute = (variables: Record<string, unknown>) => Promise<ExecutionOutcome>;

const STATUS: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  UPSTREAM_UNAVAILABLE: 502,
  INTERNAL_SERVER_ERROR: 500,
};

/** An export refused before its first byte: the HTTP status and the GraphQL errors to answer. */
export class ExportRefused extends Error {
  constructor(readonly status: number, readonly errors: readonly { message: string; extensions?: Record<string, unknown> }[]) {
    super(errors[0]?.message ?? 'export refused');
  }
}

const at = (v: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), v);

/** One response row as a flat record: dotted column -> scalar, a list as its JSON text. */
export function flatten(row: unknown, report: Pick<Report, 'columns' | 'lists'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of report.columns) {
    const v = at(row, c.split('.'));
    out[c] = v === undefined ? null : report.lists.has(c) && v !== null ? JSON.stringify(v) : v;
  }
  return out;
}

/** Pages of flat rows; follows `pageInfo.endCursor` for paged reports. Throws ExportRefused on errors. */
export async function* reportPages(report: Report, variables: Record<string, unknown>, execute: Execute, maxRows: number): AsyncGenerator<Record<string, unknown>[]> {
  let vars = variables;
  let count = 0;
  for (;;) {
    const result = await execute(vars);
    // Any error refuses the export, a FORBIDDEN column included: never a table with silently empty columns.
    if (result.errors?.length) {
      const code = String(result.errors[0]?.extensions?.code ?? '');
      throw new ExportRefused(STATUS[code] ?? 400, result.errors);
    }
    const list = at(result.data, report.rows);
    const rows = Array.isArray(list) ? list.map((r) => flatten(at(r, report.item), report)) : [];
    count += rows.length;
    if (count > maxRows) {
      throw new ExportRefused(400, [{ message: `the report has more than ${maxRows} rows (EXPORT_MAX_ROWS); narrow it with its variables`, extensions: { code: 'QUERY_TOO_COMPLEX' } }]);
    }
    yield rows;
    const pageInfo = at(result.data, [report.rows[0] ?? '', 'pageInfo']) as { hasNextPage?: boolean; endCursor?: string | null } | undefined;
    if (!report.paged || !pageInfo?.hasNextPage || !pageInfo.endCursor) return;
    vars = { ...vars, after: pageInfo.endCursor };
  }
}

async function* rowsOf(first: Record<string, unknown>[], rest: AsyncGenerator<Record<string, unknown>[]>): AsyncGenerator<Record<string, unknown>> {
  yield* first;
  for await (const page of rest) yield* page;
}

async function* jsonArray(rows: AsyncGenerator<Record<string, unknown>>): AsyncGenerator<string> {
  let sep = '[';
  for await (const row of rows) {
    yield sep + JSON.stringify(row);
    sep = ',\n';
  }
  yield sep === '[' ? '[]\n' : ']\n';
}

/** Streams the report to `res`; `ExportRefused` (before any byte) is for the caller to answer. */
export async function streamReport(res: ServerResponse, report: Report, format: 'csv' | 'json', pages: AsyncGenerator<Record<string, unknown>[]>, bom: boolean): Promise<void> {
  const first = await pages.next();
  const rows = rowsOf(first.done ? [] : first.value, pages);
  if (format === 'json') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    await pipeline(Readable.from(jsonArray(rows)), res);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${report.name}.csv"` });
  // Booleans as words: csv-stringify's default (1 / empty) would read back as a number and a null.
  const csv = stringify({ header: true, columns: report.columns, bom, cast: { boolean: (b) => (b ? 'true' : 'false') } });
  await pipeline(Readable.from(rows), csv, res);
}
