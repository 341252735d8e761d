import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { StaleEntry } from '../lib/cache/stale.ts';
import { ANONYMOUS, type Caller } from '../lib/auth/caller.ts';
import type { AnswerReport } from './response-cache.ts';

/** Per-request state at the gateway; made in one place, cheaply (no I/O). */
export interface GatewayContext {
  /** Made by the gateway for every request: unique, whatever the client sends. */
  requestId: string;
  /** The client's own `x-request-id` (when well-formed), kept beside ours for correlation. */
  clientRequestId?: string;
  /** What the subgraphs served from stale copies for this request (see gateway/subgraph-source.ts). */
  stale: { entries: StaleEntry[] };
  /** Who is asking, verified by the gateway guard (gateway/security/guard.ts). */
  caller: Caller;
  /**
   * Set only on the gateway's own reads for subscription events (gateway/subscriptions): their documents
   * are built by the gateway from a subscription already checked against the safelist and the query
   * limits (a read batches several events' copies of its selection). Never set from
   * anything a client sends.
   */
  internal?: true;
  /** What the answer reads, for the response cache and request coalescing (gateway/response-cache.ts). */
  responseCache?: AnswerReport | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function createGatewayContext(req: IncomingMessage, caller: Caller = ANONYMOUS, responseCache?: AnswerReport): GatewayContext {
  const given = req.headers['x-request-id'];
  // The client's id is not ours to trust: two callers could send the same one, and the audit log
  // would then tie their records together.
  const clientRequestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : undefined;
  return { requestId: randomUUID(), ...(clientRequestId ? { clientRequestId } : {}), caller, stale: { entries: [] }, responseCache };
}
