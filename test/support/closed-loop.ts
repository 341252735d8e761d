/**
 * Shared pieces of the closed-loop tests: which work orders can take confirmations, a plan of
 * confirmations that never completes an operation, sending one until the hub answers, and the check
 * that every planned confirmation is booked exactly once in both systems, read from their raw APIs.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { getJson, gql } from './hub.ts';
import { readPlant, unpad, type Json, type RawPlant } from './raw-plant.ts';

export const CONFIRM = 'mutation($input: ConfirmOperationInput!) { confirmOperation(input: $input) { id status } }';

export interface Planned {
  key: string;
  workOrderId: string;
  erpOrder: string;
  sequence: number;
  good: number;
  scrap: number;
}

export interface Targets {
  /** The plant as it was before the test's confirmations. */
  before: RawPlant;
  jobs: Json[];
  /** Mapping rows by MES code (`factor`: ERP quantity per MES unit). */
  rows: Map<string, Json>;
}

/** A seeded pseudo-random sequence, so a failing run can be repeated. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** `count` work orders that take confirmations: running or planned, on a released order no seeded fault touches, mapped. */
export async function confirmableJobs(erpApi: string, mesApi: string, count: number): Promise<Targets> {
  const before = await readPlant(erpApi, mesApi);
  const faults: Json[] = await getJson(`${mesApi}/admin/seeded-faults`);
  const faulty = new Set(faults.flatMap((f) => [f.erpOrder, f.material].filter(Boolean)));
  const rows = new Map(before.mapping.map((r) => [r.mesCode, r]));
  const orders = new Map(before.orders.map((o) => [unpad(o.OrderNumber), o]));
  const jobs = before.jobs
    .filter((j) => {
      const o = orders.get(j.erpOrder);
      return ['RUNNING', 'PLANNED'].includes(j.status) && o && ['RELEASED', 'PARTIALLY_CONFIRMED'].includes(o.Status)
        && !faulty.has(j.erpOrder) && !faulty.has(unpad(o.Material)) && rows.get(j.materialCode)?.factor != null;
    })
    .slice(0, count);
  expect(jobs.length).toBe(count);
  return { before, jobs, rows };
}

/** `total` confirmations spread over the targets; good quantities stay below what would complete an operation. */
export function planConfirmations(t: Targets, total: number, random: () => number, tag: string): Planned[] {
  const budget = new Map<string, number>();
  for (const j of t.jobs) {
    for (const s of j.segments) budget.set(`${j.id}/${s.sequence}`, Math.floor((j.quantity - s.goodQuantity) * t.rows.get(j.materialCode).factor) - 1);
  }
  return Array.from({ length: total }, (_, i) => {
    const j = t.jobs[Math.floor(random() * t.jobs.length)];
    const s = j.segments[Math.floor(random() * j.segments.length)];
    const left = budget.get(`${j.id}/${s.sequence}`) ?? 0;
    const good = Math.max(0, Math.min(left, Math.floor(random() * 4)));
    budget.set(`${j.id}/${s.sequence}`, left - good);
    const scrap = good === 0 ? 1 : Math.floor(random() * 2);
    return { key: `${tag}-${i}-${randomUUID()}`, workOrderId: j.id, erpOrder: j.erpOrder, sequence: s.sequence, good, scrap };
  });
}

export const confirmInput = (p: Planned) => ({
  input: { workOrderId: p.workOrderId, operationSequence: p.sequence, goodQuantity: p.good, scrapQuantity: p.scrap, idempotencyKey: p.key },
});

/**
 * Sends the confirmation, and again with the same key after every failure (the MES subgraph killed,
 * a system down), as a careful client does, until the hub answers it; the answer.
 */
export async function confirmUntilAnswered(gateway: string, headers: Record<string, string>, p: Planned, deadlineMs = 120_000): Promise<{ id: string; status: string }> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const res = await gql(gateway, CONFIRM, confirmInput(p), headers).catch(() => undefined);
    const c = res?.body.data?.confirmOperation;
    if (c && !res?.body.errors) return c;
    // A refusal would repeat forever: only "unavailable" answers are worth a retry.
    const code = res?.body.errors?.[0]?.extensions?.code;
    if (code === 'BAD_USER_INPUT' || code === 'FORBIDDEN') throw new Error(`${p.key}: ${res?.body.errors?.[0]?.message}`);
    if (Date.now() > deadline) throw new Error(`${p.key} was never answered: ${JSON.stringify(res?.body.errors ?? 'no answer')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls `pendingConfirmations` through the gateway until the outbox is empty. */
export async function waitForEmptyOutbox(gateway: string, timeoutMs = 120_000, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await gql(gateway, '{ pendingConfirmations(first: 1000) { id } }', undefined, headers).catch(() => undefined);
    if (res && !res.body.errors && res.body.data!.pendingConfirmations.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the outbox still holds confirmations: ${JSON.stringify(res?.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Every planned confirmation booked exactly once in both systems: one ERP confirmation per reference,
 * none extra, and per operation the ERP's and the MES's new totals equal what was sent.
 */
export async function expectBookedOnce(erpApi: string, mesApi: string, t: Targets, planned: Planned[], ids: ReadonlySet<string>): Promise<{ erpBookings: number }> {
  const after = await readPlant(erpApi, mesApi);
  const known = new Set(t.before.confirmations.map((c) => c.ConfirmationId));
  const ours = after.confirmations.filter((c) => !known.has(c.ConfirmationId));
  expect(ours.map((c) => c.ExternalReference.split('/')[2]).sort()).toEqual([...ids].sort());
  expectOperationTotals(after, t, planned, ours);
  return { erpBookings: ours.length };
}

/**
 * Per operation of the targets: the MES's new totals (in the ERP unit) and the ERP bookings carrying
 * the operation's reference (`ours`) both equal what was sent.
 */
export function expectOperationTotals(after: RawPlant, t: Pick<Targets, 'jobs' | 'rows'>, planned: Planned[], ours: Json[]): void {
  const sent = new Map<string, { good: number; scrap: number }>();
  for (const p of planned) {
    const k = `${p.workOrderId}/${p.sequence}`;
    const s = sent.get(k) ?? { good: 0, scrap: 0 };
    sent.set(k, { good: s.good + p.good, scrap: s.scrap + p.scrap });
  }
  const jobsAfter = new Map(after.jobs.map((j) => [j.id, j]));
  for (const j of t.jobs) {
    const f = t.rows.get(j.materialCode).factor;
    for (const s of j.segments) {
      const k = `${j.id}/${s.sequence}`;
      const want = sent.get(k) ?? { good: 0, scrap: 0 };
      const now = jobsAfter.get(j.id).segments.find((x: Json) => x.sequence === s.sequence);
      expect((now.goodQuantity - s.goodQuantity) * f, `MES good ${k}`).toBeCloseTo(want.good, 6);
      expect((now.scrapQuantity - s.scrapQuantity) * f, `MES scrap ${k}`).toBeCloseTo(want.scrap, 6);
      const booked = ours.filter((c) => c.ExternalReference.startsWith(`${k}/`));
      expect(booked.reduce((sum, c) => sum + c.Yield, 0), `ERP yield ${k}`).toBeCloseTo(want.good, 6);
      expect(booked.reduce((sum, c) => sum + c.Scrap, 0), `ERP scrap ${k}`).toBeCloseTo(want.scrap, 6);
    }
  }
}
