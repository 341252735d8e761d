import type { IncomingMessage } from 'node:http';
import type { SecurityConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { decodeEnvelope, type CallerEnvelope } from './caller.ts';
import { unauthenticated } from './errors.ts';
import { CALLER_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from './signing.ts';

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/**
 * The subgraph side of gateway trust: `check(req, raw)` accepts a request only when the gateway signed
 * it (within the window) and remembers the caller it vouched for; `envelope(req)` hands that to the
 * request context. With SUBGRAPH_SIGNING=off any client may call, and the caller header is taken as
 * sent: only for benchmarks and conformance runs, which is why start-up warns.
 */
export function createSubgraphTrust(s: SecurityConfig, log: Logger) {
  const verified = new WeakMap<IncomingMessage, CallerEnvelope>();
  const secret = s.subgraphSigningSecret;
  if (!s.subgraphSigning) {
    log.warn('SUBGRAPH_SIGNING=off: this subgraph accepts unsigned requests from anyone, and trusts their caller header');
  } else if (s.subgraphSigningSecretGenerated) {
    log.info('SUBGRAPH_SIGNING_SECRET is not set: generated for this process (a gateway in another process must be given one)');
  }
  return {
    check(req: IncomingMessage, raw: Buffer): void {
      const caller = header(req, CALLER_HEADER);
      if (s.subgraphSigning) {
        const result = secret
          ? verifySignature(
              secret,
              { signature: header(req, SIGNATURE_HEADER), timestamp: header(req, TIMESTAMP_HEADER), caller },
              raw,
              s.signatureWindowSeconds,
            )
          : ({ ok: false, reason: 'missing' } as const);
        if (!result.ok) {
          throw unauthenticated(
            result.reason === 'expired' ? 'expired' : 'invalid-signature',
            'This subgraph only answers requests signed by the hub gateway.',
          );
        }
      }
      verified.set(req, decodeEnvelope(caller));
    },
    envelope(req: IncomingMessage): CallerEnvelope {
      return verified.get(req) ?? decodeEnvelope(undefined);
    },
  };
}
