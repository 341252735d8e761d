/**
 * Time buckets and group keys shared by the aggregate reports. Buckets are UTC: a day starts at 00:00Z,
 * a week on Monday 00:00Z (ISO 8601), a month on its first day; a row's `time` is its bucket's start.
 */
import { badUserInput } from '../../../lib/errors.ts';
import type { ReportPeriod } from '../enums.ts';

const DAY_MS = 86_400_000;

/** The start of the bucket holding `iso` (ms since the epoch, UTC). */
export function bucketStart(iso: string, period: ReportPeriod): number {
  const t = Date.parse(iso);
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  if (period === 'DAY') return day;
  if (period === 'WEEK') return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  const d = new Date(day);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export interface Range {
  from: number | undefined;
  to: number | undefined;
}

/**
 * The longest range one report may span. Each report reads a plant's whole order book and shop floor
 * before it filters, so a range is also a cost: a bound here keeps a typo (year 1000 to 2000) from
 * becoming a plant-wide scan per request. Longer analyses run as several requests.
 */
export const MAX_SPAN_DAYS = 400;

/**
 * An instant given as ISO 8601 text or as epoch milliseconds (what Grafana's Wild GraphQL data source
 * passes as its `from`/`to` variables); NaN when it is neither.
 */
function instant(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v !== 'string') return NaN;
  return /^\d{10,15}$/.test(v) ? Number(v) : Date.parse(v);
}

/** Checks `from`/`to` (inclusive/exclusive instants) and the length of the range. */
export function checkRange(from: unknown, to: unknown): Range {
  const f = from == null ? undefined : instant(from);
  const t = to == null ? undefined : instant(to);
  if (f !== undefined && Number.isNaN(f)) throw badUserInput(`from must be an ISO 8601 date-time or epoch milliseconds, got '${String(from)}'`, 'from');
  if (t !== undefined && Number.isNaN(t)) throw badUserInput(`to must be an ISO 8601 date-time or epoch milliseconds, got '${String(to)}'`, 'to');
  if (f !== undefined && t !== undefined && t < f) throw badUserInput('to must not be before from', 'to');
  if (f !== undefined && t !== undefined && t - f > MAX_SPAN_DAYS * DAY_MS) throw badUserInput(`from..to may span at most ${MAX_SPAN_DAYS} days`, 'to');
  return { from: f, to: t };
}

export const inRange = (iso: string | null | undefined, r: Range): boolean => {
  if (r.from === undefined && r.to === undefined) return true;
  if (!iso) return false;
  const t = Date.parse(iso);
  return (r.from === undefined || t >= r.from) && (r.to === undefined || t < r.to);
};
