/**
 * Due statuses for the `productionOrders(dueStatus:)` filter, asked of the MES subgraph.
 *
 * Why this way: `dueStatus` needs the ERP plan (planned start and end) and the MES progress (the work
 * done and when it started), so the MES subgraph computes it with `@requires` (subgraphs/mes/due.ts).
 * The list is the ERP's, and a filter must decide before paging and counting, which federation's query
 * planner cannot do (it fetches the MES fields only for the page the ERP already cut). So the ERP
 * subgraph sends the candidates' plans to the MES subgraph in one federation `_entities` request, the
 * very resolver that answers the field: the filter and the field cannot disagree, the MES mapping and
 * cache are not duplicated here, and the MES is asked once per 100 orders (its batched work-order
 * lookup), never once per order. The request is signed like the gateway's and carries the caller's
 * envelope, so the MES subgraph sees the same caller.
 */
import { UpstreamError } from '../../lib/errors.ts';
import type { DueStatus } from '../../lib/due-status.ts';
import { CALLER_HEADER, type Signer } from '../../lib/auth/signing.ts';
import type { ErpOrder } from './source.ts';

export interface DueStatusSource {
  /** Due status by order id; `envelope` is the caller envelope (x-hub-caller) to pass on. */
  of(orders: readonly ErpOrder[], envelope: string): Promise<Map<string, DueStatus>>;
}

const QUERY = 'query DueStatuses($representations: [_Any!]!) { _entities(representations: $representations) { ... on ProductionOrder { id dueStatus } } }';

/** Representations per request: one request for a plant's open orders, bounded bodies beyond. */
const CHUNK = 1000;

interface EntitiesAnswer {
  data?: { _entities?: ({ id: string; dueStatus: DueStatus } | null)[] } | null;
  errors?: unknown[];
}

export function createMesSubgraphDueSource(opts: { url: string; signer?: Signer | undefined; timeoutMs: number }): DueStatusSource {
  async function ask(orders: readonly ErpOrder[], envelope: string): Promise<EntitiesAnswer> {
    const representations = orders.map((o) => ({
      __typename: 'ProductionOrder',
      id: o.id,
      status: o.status,
      plannedStart: o.plannedStart,
      plannedEnd: o.plannedEnd,
    }));
    const body = JSON.stringify({ query: QUERY, variables: { representations } });
    const headers: Record<string, string> = { 'content-type': 'application/json', [CALLER_HEADER]: envelope };
    let res: Response;
    try {
      res = await fetch(opts.url, {
        method: 'POST',
        headers: opts.signer ? { ...headers, ...opts.signer.sign(body, envelope) } : headers,
        body,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (e) {
      throw new UpstreamError('mes', (e as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable', undefined, { cause: e });
    }
    if (!res.ok) throw new UpstreamError('mes', 'status', res.status);
    return (await res.json()) as EntitiesAnswer;
  }

  return {
    async of(orders, envelope) {
      const chunks: ErpOrder[][] = [];
      for (let i = 0; i < orders.length; i += CHUNK) chunks.push(orders.slice(i, i + CHUNK));
      const answers = await Promise.all(chunks.map((c) => ask(c, envelope)));
      const out = new Map<string, DueStatus>();
      for (const a of answers) {
        // Any error means some statuses are unknown: a filter on half the data would be wrong, not partial.
        if (a.errors?.length || !a.data?._entities) throw new UpstreamError('mes', 'invalid-response');
        for (const e of a.data._entities) if (e) out.set(e.id, e.dueStatus);
      }
      return out;
    },
  };
}
