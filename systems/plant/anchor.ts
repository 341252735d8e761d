/**
 * The demo plant lives in the present: every generated time (planned starts and ends, operations,
 * confirmations, equipment states, quality results, lots) is placed relative to an anchor instant, so
 * that a fresh demo shows orders running today, a few late and some at risk. The same seed and anchor
 * give the same plant; `DEMO_EPOCH` pins the anchor (tests, screenshots, two demo systems started as
 * separate processes that must agree).
 */
import { HOUR } from './catalog.ts';

/** `DEMO_EPOCH` as milliseconds: an ISO 8601 date-time (`2026-03-02T06:00:00Z`) or epoch milliseconds. */
export function parseDemoEpoch(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  const ms = /^\d+$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`DEMO_EPOCH must be an ISO 8601 date-time or epoch milliseconds, got '${raw}'`);
  return ms;
}

/**
 * The anchor of a demo system started alone: `DEMO_EPOCH`, else the current hour (UTC, floored), so that
 * a demo ERP and a demo MES started as two processes within the same hour generate the same plant.
 */
export function demoAnchor(raw: string | undefined, now = Date.now()): number {
  return parseDemoEpoch(raw) ?? Math.floor(now / HOUR) * HOUR;
}
