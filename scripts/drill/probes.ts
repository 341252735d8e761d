/**
 * What the fault drill measures while it breaks things: a bounded query load on the gateway, a
 * subscriber counting the MES events it is sent, and an operator confirming operations (retrying with
 * the same idempotency key, as the README tells clients to), all on loopback.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CROSS_SYSTEM_QUERY } from '../../gateway/examples.ts';

export interface Sample {
  at: number;
  ms: number;
  ok: boolean;
  stale: boolean;
}

// GraphQL answers are arbitrary JSON, read field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Answer = { data?: Json; errors?: Json[]; extensions?: Json };

async function post(url: string, body: unknown, headers: Record<string, string>, timeoutMs = 15_000): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return (await res.json()) as Answer;
}

/** `workers` clients each sending the cross-system query, one at a time with a short pause. */
export function startLoad(gateway: string, headers: Record<string, string>, workers = 4) {
  const samples: Sample[] = [];
  let stopped = false;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped) {
      const at = Date.now();
      let ok = false;
      let stale = false;
      try {
        const body = await post(gateway, { query: CROSS_SYSTEM_QUERY, variables: { first: 10 } }, headers);
        ok = !body.errors?.length && !!body.data?.productionOrders;
        stale = Array.isArray(body.extensions?.stale) && body.extensions.stale.length > 0;
      } catch {
        /* refused, reset or timed out: an error sample */
      }
      samples.push({ at, ms: Date.now() - at, ok, stale });
      await sleep(25);
    }
  });
  return {
    samples,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

async function activeSubscriptions(gateway: string): Promise<number> {
  try {
    const text = await (await fetch(new URL('/metrics', gateway))).text();
    return Number(/^hub_subscriptions_active\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Toggles one machine's state through the demo MES's terminal every `everyMs` and counts what a
 * graphql-ws subscriber receives. The subscriber reconnects by itself, resuming `after` the last event
 * it saw, as the board does.
 */
export function startEvents(gateway: string, mesApi: string, equipmentId: string, headers: Record<string, string>, everyMs = 400) {
  const received = new Set<string>();
  let duplicates = 0;
  let emitted = 0;
  let last: string | undefined;
  let stopped = false;
  let subscribed = false;
  const subscriber = (async () => {
    while (!stopped) {
      const client = createClient({ url: gateway.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: headers });
      let check: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        const dispose = client.subscribe(
          { query: 'subscription($id: ID, $after: ID) { equipmentStateChanged(id: $id, after: $after) { eventId state } }', variables: { id: equipmentId, after: last ?? null } },
          {
            next: (r) => {
              const id = (r.data as { equipmentStateChanged?: { eventId?: string } } | null)?.equipmentStateChanged?.eventId;
              if (!id) return;
              if (received.has(id)) duplicates++;
              received.add(id);
              last = id;
            },
            error: () => resolve(),
            complete: () => resolve(),
          },
        );
        client.on('closed', () => resolve());
        subscribed = true;
        check = setInterval(() => {
          if (stopped) {
            dispose();
            resolve();
          }
        }, 200);
      });
      clearInterval(check);
      await client.dispose();
      if (!stopped) await sleep(500);
    }
  })();
  const states = ['DOWN', 'IDLE'];
  const emitter = (async () => {
    // Emit only once the gateway counts the subscription: an event before it would be missed by design.
    while (!stopped && !(subscribed && (await activeSubscriptions(gateway)) > 0)) await sleep(100);
    for (let i = 0; !stopped; i++) {
      try {
        const res = await fetch(`${mesApi}/admin/equipment-state`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ equipmentId, state: states[i % 2] }),
        });
        if (res.ok) emitted++;
      } catch {
        /* the MES is not part of what the drill breaks; a refusal is simply not counted */
      }
      await sleep(everyMs);
    }
  })();
  return {
    get emitted() {
      return emitted;
    },
    get received() {
      return received.size;
    },
    get duplicates() {
      return duplicates;
    },
    async stop() {
      stopped = true;
      await Promise.all([emitter, subscriber]);
    },
  };
}

export interface ConfirmTarget {
  workOrderId: string;
  operationSequence: number;
}

/** One confirmation a second, each retried with its own key until the hub accepts it (or 2 minutes). */
export function startConfirmations(gateway: string, headers: Record<string, string>, target: ConfirmTarget, tag: string) {
  const keys: { key: string; at: number; accepted: boolean; refused?: string }[] = [];
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const confirm = async (entry: { key: string; accepted: boolean; refused?: string }) => {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      try {
        const body = await post(
          gateway,
          {
            query: 'mutation($input: ConfirmOperationInput!) { confirmOperation(input: $input) { id status } }',
            variables: { input: { ...target, goodQuantity: 0.5, scrapQuantity: 0, idempotencyKey: entry.key } },
          },
          headers,
        );
        if (body.data?.confirmOperation?.id) {
          entry.accepted = true;
          return;
        }
        // Refused as bad input: a retry would be refused again (the drill reports it).
        if (body.errors?.[0]?.extensions?.code === 'BAD_USER_INPUT') {
          entry.refused = String(body.errors[0].message);
          return;
        }
      } catch {
        /* retried with the same key */
      }
      await sleep(1000);
    }
  };
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const entry = { key: `drill-${tag}-${i}`, at: Date.now(), accepted: false };
      keys.push(entry);
      const p = confirm(entry).finally(() => inFlight.delete(p));
      inFlight.add(p);
      await sleep(1000);
    }
  })();
  return {
    keys,
    /** Stops starting new confirmations; waits for those still being retried. */
    async stop() {
      stopped = true;
      await loop;
      await Promise.all([...inFlight]);
    },
  };
}
