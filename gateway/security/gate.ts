import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody, sendBodyError } from '../../lib/apollo-http.ts';
import type { Caller } from '../../lib/auth/caller.ts';
import { clientKey, type GatewayGuard } from './guard.ts';

/** A request the gate let through: who asks, the rate-limit subject, and the body read within the limit. */
export interface Admitted {
  caller: Caller;
  /** `sub:<token sub>`, or `ip:<address>` for an anonymous caller (demo mode). */
  subject: string;
  /** Parsed JSON (`application/json`), text (other types), or undefined (GET). */
  body: unknown;
}

/**
 * The one gate in front of every GraphQL transport over HTTP: plain POST and GET, and graphql-sse
 * (`/graphql/stream`, or `/graphql` asking for `text/event-stream`). In this order, each step before
 * the next costs anything: the bearer token (401, from the headers alone), the subject's rate limit
 * (429, one counter shared with WebSocket operations), then the body, read as a stream and refused at
 * MAX_BODY_BYTES (413) without being buffered. A refused body is thrown away or the connection cut
 * (lib/apollo-http.ts `discardBody`). Variables, validation errors and query limits are checked once
 * the operation is parsed, by `checkOperation` (gateway/security/plugins.ts), for every transport too.
 */
export type Gate = (req: IncomingMessage, res: ServerResponse) => Promise<Admitted | undefined>;

export function createGate(guard: GatewayGuard, maxBodyBytes: number): Gate {
  return async (req, res) => {
    const caller = await guard.admit(req, res);
    if (!caller) return undefined;
    let body: unknown;
    try {
      body = await readRequestBody(req, maxBodyBytes);
    } catch (e) {
      sendBodyError(res, e);
      return undefined;
    }
    return { caller, subject: clientKey(req, caller), body };
  };
}
