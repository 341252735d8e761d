/**
 * The demo plant lives in the present: every generated time (planned starts and ends, operations,
 * confirmations, equipment states, quality results, lots) is placed relative to an anchor instant, so
 * that a fresh demo shows orders running today, a few late and some at risk. The same seed and anchor
 * give the same plant; `DEMO_EPOCH` pins the anchor (tests, screenshots, two demo systems started as
 * separate processes that must agree).
 */
import { HOUR } from './catalog.ts';

/**
 * The anchor of a demo system started alone: `DEMO_EPOCH` (epoch ms, read by lib/config.ts), else the
 * current hour (UTC, floored), so that a demo ERP and a demo MES started as two processes within the
 * same hour generate the same plant.
 */
export function demoAnchor(epoch: number | undefined, now = Date.now()): number {
  return epoch ?? Math.floor(now / HOUR) * HOUR;
}
