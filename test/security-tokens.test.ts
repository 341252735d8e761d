import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startHub, type Hub } from './support/hub.ts';

/**
 * The documented token settings through the gateway: ES256 and PS256 keys from `JWT_JWKS`, the
 * `JWT_ISSUER` check, the 5 s clock skew, and `*` in a token's own `scope` claim (never a grant).
 */
const ISSUER = 'https://idp.plant.example';
const COST = '{ productionOrders(first: 1) { edges { node { plannedCost } } } }';

describe('token settings (JWT_JWKS with ES256 and PS256 keys, JWT_ISSUER)', () => {
  let hub: Hub;
  const keys: Record<'ES256' | 'PS256', CryptoKey> = {} as never;

  beforeAll(async () => {
    const jwks = [];
    for (const alg of ['ES256', 'PS256'] as const) {
      const pair = await generateKeyPair(alg, { extractable: true });
      keys[alg] = pair.privateKey;
      jwks.push({ ...(await exportJWK(pair.publicKey)), kid: alg, alg, use: 'sig' });
    }
    const file = join(mkdtempSync(join(tmpdir(), 'hub-jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: jwks }));
    hub = await startHub({ env: { JWT_JWKS: file, JWT_ISSUER: ISSUER } });
  });
  afterAll(() => hub?.close());

  /** A token signed with `alg`'s key; `claims` may override iss/exp/nbf (seconds since the epoch). */
  const sign = (alg: 'ES256' | 'PS256', claims: JWTPayload = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: ['finance'], iss: ISSUER, exp: now + 600, ...claims })
      .setProtectedHeader({ alg, kid: alg })
      .setSubject('rita')
      .setAudience('erp-mes-hub')
      .sign(keys[alg]);
  };
  const read = async (token: string) => gql(hub.gateway, COST, undefined, { authorization: `Bearer ${token}` });
  const expect401 = (res: Awaited<ReturnType<typeof gql>>, reason?: string) => {
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    if (reason) expect(res.body.errors?.[0]?.extensions?.reason).toBe(reason);
  };

  for (const alg of ['ES256', 'PS256'] as const) {
    it(`${alg}: a token signed by a JWKS key answers, with its roles mapped to scopes`, async () => {
      const res = await read(await sign(alg));
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.productionOrders.edges[0].node.plannedCost).toEqual(expect.any(Number));
    });
  }

  it('a token without JWT_ISSUER as its iss is refused with 401', async () => {
    expect401(await read(await sign('ES256', { iss: 'https://other-idp.example' })));
    expect401(await read(await sign('ES256', { iss: undefined })));
    // The HS256 path checks it too.
    expect401(await gql(hub.gateway, COST, undefined, await hub.as(['finance'])));
    const hs = await hub.token({ sub: 'ann', roles: ['finance'], issuer: ISSUER });
    expect((await gql(hub.gateway, COST, undefined, { authorization: `Bearer ${hs}` })).body.errors).toBeUndefined();
  });

  it('tolerates a few seconds of clock skew, not more', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Not valid before 3 s from now: an issuer whose clock runs 3 s ahead. Time passing only helps.
    expect((await read(await sign('PS256', { nbf: now + 3 }))).body.errors).toBeUndefined();
    expect401(await read(await sign('PS256', { nbf: now + 60 })));
    expect401(await read(await sign('PS256', { exp: now - 60 })), 'expired');
  });

  it('`*` in a token\'s own scope claim grants nothing (only role config can give every scope)', async () => {
    const res = await read(await sign('ES256', { roles: [], scope: '* engineering:read' }));
    expect(res.status).toBe(200);
    expect(res.body.data!.productionOrders.edges[0].node.plannedCost).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
