import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './apollo-http.ts';

/** True when the request's `Authorization: Bearer <token>` is `token` (constant-time comparison). */
export function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  const given = Buffer.from(typeof header === 'string' ? header.replace(/^Bearer\s+/i, '') : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The check in front of a subgraph's `/admin/...` routes (cache purge, mapping reload). With
 * ADMIN_TOKEN set they need `Authorization: Bearer <ADMIN_TOKEN>` (401 otherwise); without it they are
 * open in demo mode and do not exist in production (404), so a production subgraph never serves them
 * unprotected. Answers false after sending the refusal.
 */
export function adminAllowed(req: IncomingMessage, res: ServerResponse, c: { adminToken: string | undefined; production: boolean }): boolean {
  if (c.adminToken) {
    if (bearerMatches(req, c.adminToken)) return true;
    req.resume();
    sendJson(res, 401, { error: 'admin token required (Authorization: Bearer <ADMIN_TOKEN>)' }, { 'www-authenticate': 'Bearer' });
    return false;
  }
  if (!c.production) return true;
  req.resume();
  sendJson(res, 404, { error: 'not found' });
  return false;
}

/**
 * `/metrics` with METRICS_TOKEN set needs `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise): the
 * text names operations and cache statistics. Unset, it stays open for a scraper on the same network.
 */
export function metricsAllowed(req: IncomingMessage, res: ServerResponse, token: string | undefined): boolean {
  if (!token || bearerMatches(req, token)) return true;
  sendJson(res, 401, { error: 'metrics token required (Authorization: Bearer <METRICS_TOKEN>)' }, { 'www-authenticate': 'Bearer' });
  return false;
}
