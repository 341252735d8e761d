import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../lib/auth/demo-tokens.ts';
import { createAuthenticator } from '../gateway/security/jwt.ts';
import { gql, startHub, type Hub } from './support/hub.ts';

const Q = '{ productionOrders(first: 1) { totalCount } }';
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function expect401(res: Awaited<ReturnType<typeof gql>>, reason?: string) {
  expect(res.status).toBe(401);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  if (reason) expect(res.body.errors?.[0]?.extensions?.reason).toBe(reason);
  expect(res.body.data).toBeUndefined();
}

describe('bearer tokens at the gateway (demo mode)', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  it('no token: an anonymous caller whose ordinary reads answer', async () => {
    const res = await gql(hub.gateway, Q);
    expect(res.status).toBe(200);
    expect(res.body.data!.productionOrders.totalCount).toBeGreaterThan(0);
  });

  it('a valid token answers', async () => {
    const res = await gql(hub.gateway, Q, undefined, await hub.as(['planner']));
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
  });

  it('a token signed with another key is refused with 401', async () => {
    const forged = await mintToken('another-secret-that-is-at-least-32-bytes!', 'erp-mes-hub', { sub: 'mallory', roles: ['admin'] });
    expect401(await gql(hub.gateway, Q, undefined, bearer(forged)), 'invalid-signature');
  });

  it('an expired token is refused with 401', async () => {
    expect401(await gql(hub.gateway, Q, undefined, bearer(await hub.token({ sub: 'ann', roles: ['finance'], expiresIn: -120 }))), 'expired');
  });

  it('a token for another audience is refused with 401', async () => {
    const other = await hub.token({ sub: 'ann', roles: ['finance'], audience: 'some-other-api' });
    expect401(await gql(hub.gateway, Q, undefined, bearer(other)), 'wrong-audience');
  });

  it('a replayed signature on changed claims (role raised to admin) is refused with 401', async () => {
    const [h, , sig] = (await hub.token({ sub: 'pat', roles: ['operator'] })).split('.');
    const payload = JSON.parse(Buffer.from((await hub.token({ sub: 'pat', roles: ['operator'] })).split('.')[1]!, 'base64url').toString());
    const raised = Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url');
    expect401(await gql(hub.gateway, Q, undefined, bearer(`${h}.${raised}.${sig}`)), 'invalid-signature');
  });

  it('malformed headers, garbage and unsigned (alg none) tokens are refused with 401', async () => {
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'x', roles: ['admin'], aud: 'erp-mes-hub', exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url')}.`;
    for (const authorization of ['Bearer', 'Bearer not.a.jwt', 'Basic dXNlcjpwYXNz', `Bearer ${none}`, 'Bearer a b']) {
      expect401(await gql(hub.gateway, Q, undefined, { authorization }));
    }
  });

  it('a 401 names no key, token or claim value', async () => {
    const token = await hub.token({ sub: 'ann', expiresIn: -120 });
    const res = await gql(hub.gateway, Q, undefined, bearer(token));
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(token);
    expect(text).not.toContain(hub.config.security.jwtSecret!);
    expect(text).not.toContain('ann');
  });

  it('the authenticator the WebSocket transport reuses reads a connection_init `authorization`', async () => {
    const auth = createAuthenticator(hub.config.security);
    const caller = await auth.authenticateAuthorization(`Bearer ${await hub.token({ sub: 'wall', roles: ['finance', 'quality'] })}`);
    expect(caller).toMatchObject({ sub: 'wall', anonymous: false });
    expect([...caller.scopes].sort()).toEqual(['engineering:read', 'finance:read']);
    expect((await auth.authenticateAuthorization(undefined)).anonymous).toBe(true);
    await expect(auth.authenticateAuthorization('Bearer nope')).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('RS256 keys from a JWKS file', () => {
  let hub: Hub;
  let privateKey: CryptoKey;
  let publicJwk: Record<string, unknown>;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const file = join(mkdtempSync(join(tmpdir(), 'hub-jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [publicJwk] }));
    hub = await startHub({ env: { JWT_JWKS: file, JWT_SECRET: '' } });
  });
  afterAll(() => hub?.close());

  const rs256 = (claims: Record<string, unknown>, aud = 'erp-mes-hub') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('rita').setAudience(aud).setExpirationTime('10m').sign(privateKey);

  it('an RS256 token signed by the JWKS key answers, with its roles mapped to scopes', async () => {
    const res = await gql(hub.gateway, '{ productionOrders(first: 1) { edges { node { plannedCost } } } }', undefined, bearer(await rs256({ roles: ['finance'] })));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.productionOrders.edges[0].node.plannedCost).toEqual(expect.any(Number));
  });

  it('an HS256 token "signed" with the public key (algorithm confusion) is refused', async () => {
    const hs = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setAudience('erp-mes-hub')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    expect401(await gql(hub.gateway, Q, undefined, bearer(hs)));
    expect401(await gql(hub.gateway, Q, undefined, bearer(await rs256({ roles: ['finance'] }, 'wrong'))), 'wrong-audience');
  });
});

describe('production mode', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => hub?.close());

  it('a request without a token gets 401 UNAUTHENTICATED', async () => {
    expect401(await gql(hub.gateway, Q), 'missing');
  });

  it('a request with a valid token answers', async () => {
    const res = await gql(hub.gateway, Q, undefined, await hub.as(['planner']));
    expect(res.status).toBe(200);
    expect(res.body.data!.productionOrders.totalCount).toBeGreaterThan(0);
  });

  it('introspection and the explorer are off', async () => {
    const res = await gql(hub.gateway, '{ __schema { queryType { name } } }', undefined, await hub.as(['admin']));
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.data).toBeUndefined();
    const page = await fetch(hub.gateway, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('GraphiQL');
    expect((await fetch(new URL('/explorer/graphiql.js', hub.gateway))).status).toBe(404);
  });

  it('refuses to start without token key material', async () => {
    await expect(startHub({ env: { NODE_ENV: 'production', JWT_SECRET: '' } })).rejects.toThrow(/JWT_SECRET or JWT_JWKS is required/);
  });

  it('refuses to start without the subgraph signing key', async () => {
    await expect(startHub({ env: { NODE_ENV: 'production', SUBGRAPH_SIGNING_SECRET: '' } })).rejects.toThrow(/SUBGRAPH_SIGNING_SECRET is required/);
  });
});
