/**
 * Helpers for the live tests: graphql-ws clients (the `graphql-ws` package over `ws`, as any Node
 * client would), collected subscriptions, and work orders the demo MES can report progress on.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { getJson, gql, type Hub } from './hub.ts';

// Payloads are arbitrary JSON read field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

/** A graphql-ws client on a gateway; no retries (a test that wants a reconnect makes a new client). */
export function wsClient(gateway: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url: wsUrl(gateway), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
}

export interface Collected {
  results: Json[];
  /** The `data.<field>` of each result. */
  events: Json[];
  errors: unknown[];
  completed: boolean;
  dispose(): void;
  /** Waits until at least `n` results arrived (or fails after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<Json[]>;
}

export function collect(client: Client, query: string, variables: Record<string, unknown> = {}): Collected {
  const c: Collected = {
    results: [],
    events: [],
    errors: [],
    completed: false,
    dispose: () => undefined,
    waitFor: (n, timeoutMs = 15_000) =>
      until(() => c.results.length >= n || c.errors.length > 0, timeoutMs, `${n} results (have ${c.results.length})`).then(() => {
        if (c.errors.length > 0 && c.results.length < n) throw new Error(`subscription failed: ${JSON.stringify(c.errors)}`);
        return c.events;
      }),
  };
  c.dispose = client.subscribe(
    { query, variables },
    {
      next: (r) => {
        c.results.push(r);
        const data = r.data as Record<string, unknown> | null | undefined;
        c.events.push(data ? Object.values(data)[0] : undefined);
      },
      error: (e) => c.errors.push(e),
      complete: () => (c.completed = true),
    },
  );
  return c;
}

/** Resolves once `cond()` holds; polls every 25 ms. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until every subscription of a client is registered at the gateway (the metric counts them). */
export async function subscriptionsActive(gateway: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', gateway))).text();
  return Number(/^hub_subscriptions_active\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
}

export async function metricValue(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export interface ReportableWorkOrder {
  workOrderId: string;
  productionOrderId: string;
  plant: string;
  /** MES quantity and unit of the work order. */
  quantity: number;
  unit: string;
  /** A good quantity (MES unit) that moves the order's produced quantity without completing the operation. */
  step: number;
}

/**
 * RUNNING work orders whose current operation is the last one (so reported good parts are the order's
 * output), with room left, a convertible unit, and an ERP order that is RELEASED or PARTIALLY_CONFIRMED.
 */
export async function reportableWorkOrders(hub: Hub, plant: string): Promise<ReportableWorkOrder[]> {
  const jobs = (await getJson(`${hub.mesApi}/api/v1/job-orders?status=RUNNING&site=${plant}&limit=1000`)).items as Json[];
  const candidates = jobs.filter((j) => {
    const segs = [...j.segments].sort((a: Json, b: Json) => a.sequence - b.sequence);
    const last = segs[segs.length - 1];
    return last?.status === 'RUNNING' && segs.slice(0, -1).every((s: Json) => s.status === 'COMPLETED') && last.goodQuantity < j.quantity * 0.6;
  });
  const out: ReportableWorkOrder[] = [];
  for (const j of candidates) {
    const r = await gql(hub.gateway, 'query($id: ID!) { workOrder(id: $id) { unitConverted productionOrder { id status } } }', { id: j.id });
    const wo = r.body.data?.workOrder;
    if (!wo?.unitConverted || !['RELEASED', 'PARTIALLY_CONFIRMED'].includes(wo.productionOrder?.status)) continue;
    // Every order shows once: two work orders of one order would make the tests' expectations overlap.
    if (out.some((o) => o.productionOrderId === wo.productionOrder.id)) continue;
    out.push({
      workOrderId: j.id,
      productionOrderId: wo.productionOrder.id,
      plant,
      quantity: j.quantity,
      unit: j.unit,
      step: Math.max(1, Math.round(j.quantity * 0.05)),
    });
    if (out.length >= 6) break;
  }
  return out;
}
