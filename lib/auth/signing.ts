import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Gateway -> subgraph trust. The gateway signs every subgraph request with HMAC-SHA256 over
 * `timestamp \n caller-envelope \n body`; a subgraph accepts a request only with a valid signature no
 * older (or newer) than the window. The body is covered, so a captured signature cannot carry another
 * query; the caller envelope is covered, so nobody can raise their own scopes; the timestamp is covered,
 * so a captured request is dead once the window has passed.
 */
export const SIGNATURE_HEADER = 'x-hub-signature';
export const TIMESTAMP_HEADER = 'x-hub-timestamp';
export const CALLER_HEADER = 'x-hub-caller';

const SCHEME = 'v1=';

function mac(secret: string, timestamp: string, caller: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${caller}\n`).update(body).digest('base64url');
}

export interface Signer {
  /** Headers to add to a request whose body is `body` and caller envelope `caller`. */
  sign(body: string, caller: string, now?: number): Record<string, string>;
}

export function createSigner(secret: string): Signer {
  return {
    sign(body, caller, now = Date.now()) {
      const ts = String(Math.floor(now / 1000));
      return { [TIMESTAMP_HEADER]: ts, [CALLER_HEADER]: caller, [SIGNATURE_HEADER]: SCHEME + mac(secret, ts, caller, body) };
    },
  };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'expired' | 'invalid' };

/** Checks a request's signature headers against its raw body. Constant-time comparison. */
export function verifySignature(
  secret: string,
  headers: { signature?: string | undefined; timestamp?: string | undefined; caller?: string | undefined },
  body: Buffer | string,
  windowSeconds: number,
  now = Date.now(),
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'invalid' };
  if (Math.abs(now / 1000 - Number(timestamp)) > windowSeconds) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(SCHEME + mac(secret, timestamp, headers.caller ?? '', body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  return { ok: true };
}
