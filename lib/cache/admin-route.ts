import { readBody, sendJson } from '../apollo-http.ts';
import type { Route } from '../subgraph-server.ts';
import type { EntityCache } from './entity-cache.ts';

/**
 * `POST /admin/cache/purge` on a subgraph, body `{ "type"?: "order", "id"?: "1000045", "stale"?: true }`:
 * drops the fresh entries (and with `stale` the stale copies too) of one key, one type, or the whole system (ERP records have no events; this is how an
 * operator makes a change visible before its TTL). The subgraph server checks ADMIN_TOKEN in front of
 * every `/admin/` route (lib/admin-auth.ts).
 */
export function cachePurgeRoute(cache: EntityCache): Route {
  return async (req, res, url) => {
    if (url.pathname !== '/admin/cache/purge') return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'use POST' });
      return true;
    }
    let body: { type?: unknown; id?: unknown; stale?: unknown } = {};
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
    const stale = body.stale === true;
    if (id && type) {
      await cache.invalidate(type, [id], { stale });
      sendJson(res, 200, { purged: 1 });
    } else {
      sendJson(res, 200, { purged: await cache.purge(type, { stale }) });
    }
    return true;
  };
}
