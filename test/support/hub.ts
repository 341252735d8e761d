/**
 * The one factory every test uses to start real servers on free ports: the demo ERP and MES, both
 * subgraphs and the gateway, wired as `npm start` wires them. Tests talk to them over HTTP only.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { mintToken, type TokenClaims } from '../../lib/auth/demo-tokens.ts';
import { loadConfig, type HubConfig } from '../../lib/config.ts';
import { demoMesMqtt } from '../../lib/config/mqtt.ts';
import type { RunningServer } from '../../lib/subgraph-server.ts';
import { startGateway } from '../../gateway/server.ts';
import { startErpSubgraph } from '../../subgraphs/erp/server.ts';
import { startMesSubgraph, type MesSubgraphOptions } from '../../subgraphs/mes/server.ts';
import { startErpSystem } from '../../systems/erp/server.ts';
import { startMesSystem } from '../../systems/mes/server.ts';

export interface Hub {
  gateway: string;
  /** Every gateway's /graphql URL (the first is `gateway`). */
  gateways: string[];
  erpSubgraph: string;
  mesSubgraph: string;
  /** Every MES subgraph instance's URL (the first is `mesSubgraph`). */
  mesSubgraphs: string[];
  erpApi: string;
  mesApi: string;
  config: HubConfig;
  /** Stops the MES subgraph (and its event bridge); `startMesSubgraph` brings it back on the same port. */
  stopMesSubgraph(): Promise<void>;
  startMesSubgraph(): Promise<void>;
  /** A token the hub accepts (HS256 with the hub's JWT_SECRET), e.g. `await hub.token({ sub: 'ann', roles: ['finance'] })`. */
  token(claims: TokenClaims): Promise<string>;
  /** Starts one more gateway with the same config (e.g. rate limits shared through Redis), `env` changed; its URL. */
  anotherGateway(env?: Record<string, string>): Promise<string>;
  /** `{ authorization: 'Bearer ...' }` for a caller with these roles. */
  as(roles: string[], sub?: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** The shared test Redis. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test uses (`test-...`), so parallel test files never see each other's keys. */
export function uniquePrefix(tag = 't'): string {
  return `test-${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Env for a hub on the test Redis under a prefix of its own (its keys are removed when the hub closes). */
export function redisEnv(tag: string): { REDIS_URL: string; CACHE_PREFIX: string } {
  return { REDIS_URL: TEST_REDIS_URL, CACHE_PREFIX: uniquePrefix(tag) };
}

export interface HubOptions {
  seed?: number;
  scale?: number;
  /** The demo plant's anchor (epoch ms); default: now, to the minute. Both demo systems get the same one. */
  anchor?: number;
  /**
   * Extra environment for the hub's config (REDIS_URL, CACHE_PREFIX, NODE_ENV, limits...). The factory
   * sets JWT_SECRET and SUBGRAPH_SIGNING_SECRET (one per hub, shared by gateway and subgraphs) and
   * AUDIT_LOG=off unless given here; an empty string unsets a variable.
   */
  env?: Record<string, string>;
  simulate?: boolean;
  /** Use the test Redis under a fresh `test-` prefix (default), or nothing (in-memory cache and bus). */
  redis?: boolean;
  /** Gateways on the same subgraphs and event stream (default 1). */
  gateways?: number;
  /** MES subgraph instances on the same MES and event stream (default 1); the gateways use the first. */
  mesSubgraphs?: number;
  mes?: MesSubgraphOptions;
}

export async function startHub(opts: HubOptions = {}): Promise<Hub> {
  const seed = opts.seed ?? 42;
  const scale = opts.scale ?? 1;
  const anchor = opts.anchor ?? Math.floor(Date.now() / 60_000) * 60_000;
  const closers: (() => Promise<void>)[] = [];
  try {
    const erp = await startErpSystem({ port: 0, seed, scale, anchor });
    closers.push(erp.close);
    const mes = await startMesSystem({ port: 0, seed, scale, anchor, simulate: opts.simulate ?? false, mqtt: demoMesMqtt(opts.env ?? {}) });
    closers.push(mes.close);
    const base: Record<string, string> = {
      ...(opts.redis === false ? {} : redisEnv('hub')),
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: '0',
      ERP_SUBGRAPH_PORT: '0',
      MES_SUBGRAPH_PORT: '0',
      ERP_API_URL: erp.url,
      MES_API_URL: mes.url,
      UPSTREAM_TIMEOUT_MS: '2000',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      SUBGRAPH_SIGNING_SECRET: randomBytes(32).toString('base64url'),
      AUDIT_LOG: 'off',
      // Tests of other behaviour take a system down and expect the very next query after it is back
      // to reach it; an open breaker would answer for BREAKER_HALF_OPEN_MS more. test/resilience sets its own.
      BREAKER_FAILURES: '1000',
      ...opts.env,
    };
    const jwtSecret = base.JWT_SECRET ?? '';
    const { REDIS_URL: redisUrl, CACHE_PREFIX: prefix } = base;
    // A test's own servers (another port, a cluster) go away with their keys; only the shared Redis is cleaned.
    if (redisUrl === TEST_REDIS_URL && prefix?.startsWith('test-')) closers.push(() => dropPrefix(redisUrl, prefix));
    const subgraphConfig = loadConfig(base);
    // The MES subgraph first: the ERP subgraph asks it for due statuses (productionOrders(dueStatus:)).
    const mesSub: RunningServer = await startMesSubgraph(subgraphConfig, opts.mes);
    const erpSub: RunningServer = await startErpSubgraph(loadConfig({ ...base, MES_SUBGRAPH_URL: mesSub.url }));
    closers.push(erpSub.close);
    // The MES subgraph can be stopped and started again by a test: its closer follows what runs.
    let mesRunning: RunningServer | undefined = mesSub;
    const mesConfig = loadConfig({ ...base, MES_SUBGRAPH_PORT: String(mesSub.port) });
    closers.push(async () => {
      await mesRunning?.close();
      mesRunning = undefined;
    });
    const mesSubgraphs = [mesSub.url];
    for (let i = 1; i < (opts.mesSubgraphs ?? 1); i++) {
      // Each instance keeps its own broker session, as an operator would configure them.
      const own = base.MES_MQTT_CLIENT_ID ? loadConfig({ ...base, MES_MQTT_CLIENT_ID: `${base.MES_MQTT_CLIENT_ID}-${i}` }) : subgraphConfig;
      const extra = await startMesSubgraph(own, opts.mes);
      closers.push(extra.close);
      mesSubgraphs.push(extra.url);
    }
    const config = loadConfig({ ...base, ERP_SUBGRAPH_URL: erpSub.url, MES_SUBGRAPH_URL: mesSub.url });
    const gateways: string[] = [];
    for (let i = 0; i < (opts.gateways ?? 1); i++) {
      const gw = await startGateway(config);
      closers.push(gw.close);
      gateways.push(gw.url);
    }
    return {
      gateway: gateways[0]!,
      gateways,
      erpSubgraph: erpSub.url,
      mesSubgraph: mesSub.url,
      mesSubgraphs,
      erpApi: erp.url,
      mesApi: mes.url,
      config,
      async stopMesSubgraph() {
        await mesRunning?.close();
        mesRunning = undefined;
      },
      async startMesSubgraph() {
        mesRunning ??= await startMesSubgraph(mesConfig, opts.mes);
      },
      anotherGateway: async (env) => {
        const more = await startGateway(env ? loadConfig({ ...base, ERP_SUBGRAPH_URL: erpSub!.url, MES_SUBGRAPH_URL: mesSub!.url, ...env }) : config);
        closers.push(more.close);
        return more.url;
      },
      token: (claims) => mintToken(jwtSecret, config.security.jwtAudience, claims),
      as: async (roles, sub = `test-${roles.join('-') || 'none'}`) => ({
        authorization: `Bearer ${await mintToken(jwtSecret, config.security.jwtAudience, { sub, roles })}`,
      }),
      close: () => closeAll(closers),
    };
  } catch (e) {
    await closeAll(closers);
    throw e;
  }
}

/**
 * Removes a test hub's Redis keys (the test Redis is shared by parallel test files): `<prefix>:*` and
 * the response cache's `{<prefix>:rc}:*`.
 */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  for (const c of [...closers].reverse()) await c().catch(() => undefined);
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  // Tests read deep into arbitrary response shapes; typing every query's result would add nothing.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[]; extensions?: Record<string, any> };
  headers: Headers;
}

export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body, headers: res.headers };
}

export async function getJson<T = any>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return (await res.json()) as T;
}

export async function post(url: string, body?: unknown, method = 'POST'): Promise<Response> {
  return fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Drops every fresh cache entry of both subgraphs (their admin route; `stale` also the stale copies). */
export async function purgeCaches(hub: Hub, opts: { stale?: boolean } = {}): Promise<void> {
  for (const sub of [hub.erpSubgraph, hub.mesSubgraph]) {
    const res = await post(new URL('/admin/cache/purge', sub).toString(), opts.stale ? { stale: true } : {});
    if (!res.ok) throw new Error(`purge answered ${res.status}`);
  }
}

/** What `run` costs the demo ERP and MES in calls (their counters, reset first). */
export async function upstreamCalls(hub: Pick<Hub, 'erpApi' | 'mesApi'>, run: () => Promise<unknown>): Promise<{ erp: number; mes: number }> {
  await Promise.all([admin.resetStats(hub.erpApi), admin.resetStats(hub.mesApi)]);
  await run();
  const [erp, mes] = await Promise.all([admin.stats(hub.erpApi), admin.stats(hub.mesApi)]);
  return { erp: erp.total, mes: mes.total };
}

/** One query from cold caches: the upstream calls it costs and its data (it must answer without errors). */
export async function coldQueryCost(hub: Hub, query: string, variables: Record<string, unknown> = {}) {
  await purgeCaches(hub);
  let res: GraphQLResponse | undefined;
  const calls = await upstreamCalls(hub, async () => void (res = await gql(hub.gateway, query, variables)));
  if (!res || res.body.errors) throw new Error(`query answered errors: ${JSON.stringify(res?.body.errors)}`);
  // The same counts by `METHOD path`, to see which calls they were (stats last until the next reset).
  const [erp, mes] = await Promise.all([admin.stats(hub.erpApi), admin.stats(hub.mesApi)]);
  return { ...calls, byPath: { erp: erp.calls, mes: mes.calls }, data: res.body.data as Record<string, any> };
}

/** The demo systems' admin API (systems/README.md). */
export const admin = {
  stats: (system: string) => getJson<{ total: number; calls: Record<string, number> }>(`${system}/admin/stats`),
  resetStats: (system: string) => post(`${system}/admin/reset-stats`),
  faults: (system: string, faults: { latencyMs?: number; errorRate?: number; down?: boolean }) =>
    post(`${system}/admin/faults`, faults),
  clearFaults: (system: string) => post(`${system}/admin/faults`, undefined, 'DELETE'),
  progress: async (mes: string, body: { workOrderId: string; goodQuantity: number; scrapQuantity: number }) => {
    const res = await post(`${mes}/admin/progress`, body);
    if (!res.ok) throw new Error(`progress answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { eventId: number; eventIds: number[] };
  },
  equipmentState: async (mes: string, body: { equipmentId: string; state: string }) => {
    const res = await post(`${mes}/admin/equipment-state`, body);
    if (!res.ok) throw new Error(`equipment-state answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { eventId: number };
  },
};
