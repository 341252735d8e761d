import type { SeededFault } from '../plant/types.ts';
import type { FaultInjector } from './faults.ts';
import { HttpError, readJson, readObject, sendJson, type Router } from './http.ts';
import type { Stats } from './stats.ts';

/** Admin record access, per system: collections are the API's own names, ids its own keys. */
export interface RecordStore {
  /** Upserts the record (throws HttpError 400/404 on a bad body or collection); returns it and whether it is new. */
  upsert(collection: string, id: string, body: Record<string, unknown>): { record: unknown; created: boolean };
  /** Returns false when there was no such record; throws HttpError 404 on an unknown collection. */
  remove(collection: string, id: string): boolean;
}

export interface CommonAdmin {
  stats: Stats;
  faults: FaultInjector;
  seededFaults: readonly SeededFault[];
  records: RecordStore;
}

/** The admin routes both systems share (systems/README.md, "Admin API"). */
export function addCommonAdminRoutes(router: Router, admin: CommonAdmin): Router {
  return router
    .on('GET', '/admin/stats', ({ res }) => sendJson(res, 200, admin.stats.snapshot()))
    .on('POST', '/admin/reset-stats', ({ res }) => {
      admin.stats.reset();
      sendJson(res, 200, admin.stats.snapshot());
    })
    .on('GET', '/admin/faults', ({ res }) => sendJson(res, 200, admin.faults.settings))
    .on('POST', '/admin/faults', async ({ req, res }) => {
      const body = (await readJson(req)) ?? {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'request body must be a JSON object');
      sendJson(res, 200, admin.faults.set(body as Record<string, unknown>));
    })
    .on('DELETE', '/admin/faults', ({ res }) => sendJson(res, 200, admin.faults.clear()))
    .on('GET', '/admin/seeded-faults', ({ res }) => sendJson(res, 200, admin.seededFaults))
    .on('PUT', '/admin/records/:collection/:id', async ({ req, res, params }) => {
      const body = await readObject(req);
      const { record, created } = admin.records.upsert(params.collection ?? '', params.id ?? '', body);
      sendJson(res, created ? 201 : 200, record);
    })
    .on('DELETE', '/admin/records/:collection/:id', ({ res, params }) => {
      if (!admin.records.remove(params.collection ?? '', params.id ?? '')) throw new HttpError(404, `no record '${params.id}' in ${params.collection}`);
      res.writeHead(204).end();
    });
}
