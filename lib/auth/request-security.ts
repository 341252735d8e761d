import { AuditTrail } from '../audit.ts';
import { ANONYMOUS, type CallerEnvelope } from './caller.ts';

/** What a subgraph knows about the request's caller, verified from the gateway's signed envelope. */
export interface RequestSecurity {
  envelope: CallerEnvelope;
  caller: CallerEnvelope['caller'];
  audit: AuditTrail;
}

/**
 * Carried on the request's context object under a symbol, so the subgraphs' own context types need no
 * security field, and a shallow copy of the context (Apollo Server makes one) keeps it.
 */
const SECURITY = Symbol('hub.requestSecurity');

export function attachSecurity(ctx: object, envelope: CallerEnvelope): RequestSecurity {
  const sec: RequestSecurity = { envelope, caller: envelope.caller, audit: new AuditTrail() };
  Object.defineProperty(ctx, SECURITY, { value: sec, enumerable: true });
  return sec;
}

/** The request's security; a context that was never attached is anonymous (it grants nothing). */
export function requestSecurity(ctx: unknown): RequestSecurity {
  const sec = typeof ctx === 'object' && ctx !== null ? (ctx as { [SECURITY]?: RequestSecurity })[SECURITY] : undefined;
  return sec ?? { envelope: { caller: ANONYMOUS }, caller: ANONYMOUS, audit: new AuditTrail() };
}
