/**
 * A production-mode plant started the way the README's "Plugging in" section says: the demo ERP and MES
 * standing in for the real systems, then `npm run start:erp`, `start:mes` and `start:gateway`, one
 * process each, with NODE_ENV=production, one SUBGRAPH_SIGNING_SECRET, RS256 tokens checked against a
 * JWKS the test serves over HTTP (JWT_JWKS=<url>), and Redis under a key prefix of its own.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from './hub.ts';
import { freePort, startProcess, waitFor, type Proc } from './processes.ts';

export interface ProductionPlant {
  /** The gateway's `/graphql` URL. */
  gateway: string;
  erpApi: string;
  mesApi: string;
  /** The environment every hub process got (a test may start one more gateway with it). */
  env: Record<string, string>;
  /** An RS256 token signed by the test's identity provider, e.g. `await plant.token({ sub: 'ann', roles: ['finance'] })`. */
  token(claims: { sub: string; roles?: string[]; scope?: string; expiresIn?: string }): Promise<string>;
  /** `{ authorization: 'Bearer ...' }` for a caller with these roles. */
  as(roles: string[], sub?: string): Promise<Record<string, string>>;
  /** Starts one more gateway process on the same subgraphs with extra env; its `/graphql` URL. */
  anotherGateway(env: Record<string, string>): Promise<string>;
  /** Everything the processes printed (for a failing test's message). */
  output(): string;
  close(): Promise<void>;
}

/** The identity provider's side: a key pair and its public JWKS served over HTTP. */
async function startJwks(): Promise<{ url: string; sign(claims: Record<string, unknown>, expiresIn: string): Promise<string>; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = randomBytes(6).toString('hex');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    sign: (claims, expiresIn) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).setAudience('erp-mes-hub').setIssuedAt().setExpirationTime(expiresIn).sign(privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function startProductionPlant(gatewayEnv: Record<string, string> = {}): Promise<ProductionPlant> {
  const procs: Proc[] = [];
  const jwks = await startJwks();
  const prefix = uniquePrefix('prod');
  const [erpApi, mesApi, erpSub, mesSub, gw] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const systems = { ERP_API_PORT: String(erpApi), MES_API_PORT: String(mesApi), MES_SIMULATE: 'off', LOG_LEVEL: 'warn' };
  const env: Record<string, string> = {
    ...systems,
    NODE_ENV: 'production',
    ERP_API_URL: `http://127.0.0.1:${erpApi}`,
    MES_API_URL: `http://127.0.0.1:${mesApi}`,
    ERP_SUBGRAPH_PORT: String(erpSub),
    MES_SUBGRAPH_PORT: String(mesSub),
    GATEWAY_PORT: String(gw),
    SUBGRAPH_SIGNING_SECRET: randomBytes(32).toString('base64url'),
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    JWT_JWKS: jwks.url,
    REDIS_URL: TEST_REDIS_URL,
    CACHE_PREFIX: prefix,
    AUDIT_LOG: 'off',
  };
  const output = () => procs.map((p) => p.output()).join('\n');
  const close = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await jwks.close();
    await dropPrefix(TEST_REDIS_URL, prefix);
  };
  try {
    // The demo systems stand in for a plant's ERP and MES: they are not the hub, and run as shipped.
    procs.push(startProcess('npm', ['run', '--silent', 'start:erp-api'], systems), startProcess('npm', ['run', '--silent', 'start:mes-api'], systems));
    await Promise.all([waitFor(`http://127.0.0.1:${erpApi}/admin/stats`, 60_000), waitFor(`http://127.0.0.1:${mesApi}/admin/stats`, 60_000)]);
    procs.push(startProcess('npm', ['run', '--silent', 'start:erp'], env), startProcess('npm', ['run', '--silent', 'start:mes'], env));
    procs.push(startProcess('npm', ['run', '--silent', 'start:gateway'], { ...env, ...gatewayEnv }));
    await waitFor(`http://127.0.0.1:${gw}/ready`, 90_000);
  } catch (e) {
    const out = output();
    await close();
    throw new Error(`the production plant did not come up: ${(e as Error).message}\n${out.slice(-3000)}`);
  }
  const token: ProductionPlant['token'] = ({ expiresIn = '10m', ...claims }) => jwks.sign(claims, expiresIn);
  return {
    gateway: `http://127.0.0.1:${gw}/graphql`,
    erpApi: `http://127.0.0.1:${erpApi}`,
    mesApi: `http://127.0.0.1:${mesApi}`,
    env,
    token,
    as: async (roles, sub = `prod-${roles.join('-') || 'none'}`) => ({ authorization: `Bearer ${await token({ sub, roles })}` }),
    async anotherGateway(extra) {
      const port = await freePort();
      procs.push(startProcess('npm', ['run', '--silent', 'start:gateway'], { ...env, ...extra, GATEWAY_PORT: String(port) }));
      await waitFor(`http://127.0.0.1:${port}/ready`, 90_000);
      return `http://127.0.0.1:${port}/graphql`;
    },
    output,
    close,
  };
}
