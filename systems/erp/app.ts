/** Routes of the demo ERP: the OData API under /odata and the admin API. */
import { addCommonAdminRoutes } from '../common/admin.ts';
import { FaultInjector } from '../common/faults.ts';
import { HttpError, Router, readObject, readText, sendJson } from '../common/http.ts';
import { createSystemHandler } from '../common/server.ts';
import { Stats } from '../common/stats.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SeededFault } from '../plant/types.ts';
import { parseKey, parseSelect, preferredPageSize, project, queryCollection } from './odata/query.ts';
import { ENTITY_SETS, type Row } from './schema.ts';
import type { ErpStore } from './store.ts';
import { patchOrder, postConfirmation } from './writes.ts';

const ROOT = '/odata';
const SEGMENT = /^([A-Za-z_]\w*)(?:\((.*)\))?$/s;

function resource(store: ErpStore, segment: string): { name: string; key: string | undefined } {
  const m = SEGMENT.exec(segment);
  if (!m) throw new HttpError(404, `no resource '${segment}'`);
  const name = m[1] as string;
  const { set } = store.set(name);
  return { name, key: m[2] === undefined ? undefined : parseKey(set, m[2]) };
}

function entity(res: ServerResponse, setName: string, row: Row, status = 200, select?: string[]): void {
  sendJson(res, status, { '@odata.context': `${ROOT}/$metadata#${setName}/$entity`, ...project(row, select) });
}

export interface ErpApp {
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  faults: FaultInjector;
}

export function createErpApp(store: ErpStore, seededFaults: readonly SeededFault[], now: () => Date = () => new Date()): ErpApp {
  const stats = new Stats();
  const faults = new FaultInjector();
  const api = new Router()
    .on('GET', '/odata', ({ res }) =>
      sendJson(res, 200, {
        '@odata.context': `${ROOT}/$metadata`,
        value: ENTITY_SETS.map((s) => ({ name: s.name, kind: 'EntitySet', url: s.name })),
      }),
    )
    .on('GET', '/odata/:resource', ({ req, res, url, params }) => {
      const { name, key } = resource(store, params.resource ?? '');
      const { set, table } = store.set(name);
      if (key === undefined) {
        collection(req, res, name, url);
        return;
      }
      const row = table.get(key);
      if (!row) throw new HttpError(404, `${name}(${params.resource?.slice(name.length + 1, -1)}) does not exist`);
      entity(res, name, row, 200, parseSelect(set, url.searchParams.get('$select')));
    })
    // OData 4.01 `$query`: the query options as a text/plain body, for questions too long for a URL.
    .on('POST', '/odata/:resource/$query', async ({ req, res, url, params }) => {
      const { name, key } = resource(store, params.resource ?? '');
      if (key !== undefined) throw new HttpError(405, `$query is only offered on an entity set, not on ${params.resource}`);
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'text/plain' && type !== 'application/x-www-form-urlencoded') {
        throw new HttpError(415, `$query takes its options as text/plain, got '${type || 'no content type'}'`);
      }
      const options = new URL(url);
      options.search = (await readText(req)).trim();
      collection(req, res, name, options);
    })
    .on('POST', '/odata/:resource', async ({ req, res, params }) => {
      const { name, key } = resource(store, params.resource ?? '');
      if (name !== 'ProductionOrderConfirmations' || key !== undefined) throw new HttpError(405, `POST is not allowed on ${name}`);
      const created = postConfirmation(store, await readObject(req), now());
      entity(res, name, created, 201);
    })
    .on('PATCH', '/odata/:resource', async ({ req, res, params }) => {
      const { name, key } = resource(store, params.resource ?? '');
      if (name !== 'ProductionOrders' || key === undefined) throw new HttpError(405, `PATCH is not allowed on ${params.resource}`);
      entity(res, name, patchOrder(store, key, await readObject(req), now()));
    });
  function collection(req: IncomingMessage, res: ServerResponse, name: string, url: URL): void {
    const { set, table } = store.set(name);
    const pageSize = preferredPageSize([req.headers.prefer ?? []].flat().join(','));
    const applied: Record<string, string> = pageSize === undefined ? {} : { 'preference-applied': `odata.maxpagesize=${pageSize}` };
    sendJson(res, 200, queryCollection(set, table, url, ROOT, pageSize), applied);
  }
  const admin = addCommonAdminRoutes(new Router(), { stats, faults, seededFaults, records: store });
  return { handler: createSystemHandler({ style: 'odata', api, admin, stats, faults }), faults };
}
