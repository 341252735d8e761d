/**
 * Helpers for the security tests: talking to a subgraph as the gateway would (signed), and the list of
 * restricted fields the matrix and the fuzz check against.
 */
import { encodeEnvelope, type Caller } from '../../lib/auth/caller.ts';
import { createSigner } from '../../lib/auth/signing.ts';
import type { Hub } from './hub.ts';

/** Restricted fields and the scope each needs (schema/*.graphql). */
export const RESTRICTED = {
  'Material.standardCost': 'finance:read',
  'ProductionOrder.plannedCost': 'finance:read',
  'ProductionOrder.actualCost': 'finance:read',
  'Operation.processParameters': 'engineering:read',
  'QualityResult.lowerLimit': 'engineering:read',
  'QualityResult.upperLimit': 'engineering:read',
} as const;
export const RESTRICTED_NAMES = new Set(Object.keys(RESTRICTED).map((c) => c.split('.')[1]!));

export const callerWith = (scopes: string[], sub: string | null = 'tester'): Caller => ({
  sub,
  roles: [],
  scopes,
  anonymous: sub === null,
});

/** POSTs `body` to a subgraph with the gateway's signature (or with `override` headers on top). */
export async function signedPost(
  hub: Hub,
  url: string,
  body: unknown,
  opts: { caller?: Caller; now?: number; override?: Record<string, string>; sendBody?: string } = {},
): Promise<{ status: number; json: any }> {
  const text = JSON.stringify(body);
  const signer = createSigner(hub.config.security.subgraphSigningSecret!);
  const headers = signer.sign(text, encodeEnvelope({ caller: opts.caller ?? callerWith([], null) }), opts.now);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...opts.override },
    body: opts.sendBody ?? text,
  });
  return { status: res.status, json: await res.json() };
}

/** Every `[path, value]` in a JSON response whose key is one of `keys`. */
export function valuesAtKeys(data: unknown, keys: Set<string>, path: string[] = []): [string, unknown][] {
  if (Array.isArray(data)) return data.flatMap((v, i) => valuesAtKeys(v, keys, [...path, String(i)]));
  if (data === null || typeof data !== 'object') return [];
  return Object.entries(data).flatMap(([k, v]) => [
    ...(keys.has(k) ? [[[...path, k].join('.'), v] as [string, unknown]] : []),
    ...valuesAtKeys(v, keys, [...path, k]),
  ]);
}
