import { timingSafeEqual } from 'node:crypto';
import { readBody, sendJson } from '../apollo-http.ts';
import type { HubConfig } from '../config.ts';
import type { Route } from '../subgraph-server.ts';
import type { EntityCache } from './entity-cache.ts';

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * `POST /admin/cache/purge` on a subgraph, body `{ "type"?: "order", "id"?: "1000045" }`: drops the
 * fresh entries of one key, one type, or the whole system (ERP records have no events; this is how an
 * operator makes a change visible before its TTL). Needs `Authorization: Bearer <ADMIN_TOKEN>` when
 * ADMIN_TOKEN is set; without it the route is open in demo mode and off in production.
 */
export function cachePurgeRoute(cache: EntityCache, config: HubConfig): Route {
  return async (req, res, url) => {
    if (url.pathname !== '/admin/cache/purge') return false;
    if (!config.adminToken && config.production) return false;
    if (config.adminToken && !tokenMatches(req.headers.authorization, config.adminToken)) {
      sendJson(res, 401, { error: 'admin token required' });
      return true;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'use POST' });
      return true;
    }
    let body: { type?: unknown; id?: unknown } = {};
    try {
      const raw = (await readBody(req, 16 * 1024)).toString('utf8');
      body = raw ? (JSON.parse(raw) as typeof body) : {};
    } catch {
      sendJson(res, 400, { error: 'body must be JSON: { "type"?: string, "id"?: string }' });
      return true;
    }
    const type = typeof body.type === 'string' && /^[A-Za-z]{1,40}$/.test(body.type) ? body.type : undefined;
    const id = typeof body.id === 'string' && body.id.length <= 200 ? body.id : undefined;
    if ((body.type !== undefined && !type) || (body.id !== undefined && !id) || (id && !type)) {
      sendJson(res, 400, { error: '"type" must be a type name; "id" needs a "type"' });
      return true;
    }
    if (id && type) {
      await cache.invalidate(type, [id]);
      sendJson(res, 200, { purged: 1 });
    } else {
      sendJson(res, 200, { purged: await cache.purge(type) });
    }
    return true;
  };
}
