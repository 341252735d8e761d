/** Routes of the demo MES: the REST API under /api/v1 and the admin API. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { addCommonAdminRoutes } from '../common/admin.ts';
import type { Collection } from '../common/collection.ts';
import { FaultInjector } from '../common/faults.ts';
import { HttpError, Router, intParam, listParam, readObject, sendJson, sendText } from '../common/http.ts';
import { createSystemHandler } from '../common/server.ts';
import { Stats } from '../common/stats.ts';
import type { MesJobOrder, MesMappingRow, SeededFault } from '../plant/types.ts';
import { wireEvent, type EventLog } from './events.ts';
import type { ShopFloor } from './shopfloor.ts';
import { genealogy } from './genealogy.ts';
import { serveEventStream, type StreamRegistry } from './sse.ts';
import type { MesStore } from './store.ts';
import { MesWrites } from './writes.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Rows per answer of a POSTed query: a batch lookup of hundreds of ids in one call. */
const MAX_BATCH_LIMIT = 10_000;

interface Filter {
  param: string;
  field: string;
  /** key: answered by key lookups; indexed: from a secondary index; otherwise a scan. */
  via?: 'key' | 'index';
  /** A batch lookup by ids: without an explicit limit, answer every match (up to the maximum). */
  batch?: boolean;
  /** For a value held inside the record (a scan): does the record match one of the wanted values? */
  match?: (record: never, wanted: ReadonlySet<string>) => boolean;
}

/** Job orders with an operation on one of the wanted machines. */
const onEquipment = (job: MesJobOrder, wanted: ReadonlySet<string>): boolean => job.segments.some((s) => wanted.has(s.equipmentId));

function listAnswer<T extends object>(url: URL, table: Collection<T>, filters: readonly Filter[], maxLimit = MAX_LIMIT): Record<string, unknown> {
  const active = filters.map((f) => ({ ...f, values: listParam(url, f.param) })).filter((f) => f.values !== undefined);
  const first = active.find((f) => f.via === 'key') ?? active.find((f) => f.via === 'index');
  let rows: readonly T[] = table.all();
  if (first?.via === 'key') rows = table.getMany(first.values ?? []);
  else if (first) rows = table.lookup(first.field, first.values ?? []);
  for (const f of active) {
    if (f === first) continue;
    const wanted = new Set(f.values);
    const match = f.match as ((record: T, wanted: ReadonlySet<string>) => boolean) | undefined;
    rows = rows.filter((r) => (match ? match(r, wanted) : wanted.has(String((r as Record<string, unknown>)[f.field]))));
  }
  const limit = Math.min(maxLimit, intParam(url, 'limit', active.some((f) => f.batch) ? maxLimit : DEFAULT_LIMIT));
  const offset = intParam(url, 'offset', 0);
  return { items: rows.slice(offset, offset + limit), total: rows.length, offset, limit };
}

/**
 * The body of `POST /api/v1/<list>/query` as the list's query parameters: each filter a string or an
 * array of values, plus `limit` and `offset`. 400 for anything else, so a typo never widens a lookup.
 */
function queryParams(url: URL, body: Record<string, unknown>, filters: readonly Filter[]): URL {
  const allowed = new Set(['limit', 'offset', ...filters.map((f) => f.param)]);
  const out = new URL(url);
  out.search = '';
  for (const [name, value] of Object.entries(body)) {
    if (!allowed.has(name)) throw new HttpError(400, `unknown query field '${name}' (allowed: ${[...allowed].join(', ')})`);
    // A string is read as in the URL (`"RUNNING,PAUSED"`); in an array each element is one value.
    const scalar = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
    const ok = Array.isArray(value) ? value.every((v) => scalar(v) && !String(v).includes(',')) : scalar(value);
    if (!ok) throw new HttpError(400, `${name} must be a string, a number or an array of them (elements without ',')`);
    out.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  return out;
}

/**
 * The list resources: `GET /api/v1/<list>?<filters>` and, for lookups too long for a URL,
 * `POST /api/v1/<list>/query` with the same filters in a JSON body (up to MAX_BATCH_LIMIT rows a page).
 */
function addListRoutes(api: Router, store: MesStore): void {
  const list = <T extends object>(name: string, table: Collection<T>, filters: Filter[]): void => {
    api
      .on('GET', `/api/v1/${name}`, ({ res, url }) => sendJson(res, 200, listAnswer(url, table, filters)))
      .on('POST', `/api/v1/${name}/query`, async ({ req, res, url }) =>
        sendJson(res, 200, listAnswer(queryParams(url, await readObject(req), filters), table, filters, MAX_BATCH_LIMIT)),
      );
  };
  list('job-orders', store.jobOrders, [
    { param: 'ids', field: 'id', via: 'key', batch: true },
    { param: 'erpOrders', field: 'erpOrder', via: 'index', batch: true },
    { param: 'site', field: 'site', via: 'index' },
    { param: 'status', field: 'status' },
    { param: 'equipment', field: 'segments', match: onEquipment },
  ]);
  list('equipment', store.equipment, [
    { param: 'ids', field: 'id', via: 'key', batch: true },
    { param: 'site', field: 'site', via: 'index' },
    { param: 'workCenter', field: 'workCenter', via: 'index' },
    { param: 'state', field: 'state' },
  ]);
  list('equipment-states', store.equipmentStates, [
    { param: 'equipment', field: 'equipmentId', via: 'index', batch: true },
    { param: 'site', field: 'site', via: 'index' },
  ]);
  list('material-lots', store.lots, [
    { param: 'ids', field: 'id', via: 'key', batch: true },
    { param: 'materialCodes', field: 'materialCode', via: 'index', batch: true },
    { param: 'producedBy', field: 'producedByJobOrder', via: 'index', batch: true },
    { param: 'site', field: 'site', via: 'index' },
    { param: 'status', field: 'status' },
  ]);
  list('lot-consumptions', store.consumptions, [
    { param: 'ids', field: 'id', via: 'key', batch: true },
    { param: 'producedLots', field: 'producedLot', via: 'index', batch: true },
    { param: 'consumedLots', field: 'consumedLot', via: 'index', batch: true },
    { param: 'jobOrders', field: 'jobOrderId', via: 'index', batch: true },
  ]);
  list('quality-results', store.qualityResults, [
    { param: 'ids', field: 'id', via: 'key', batch: true },
    { param: 'jobOrders', field: 'jobOrderId', via: 'index', batch: true },
    { param: 'result', field: 'result' },
  ]);
}

function one<T extends object>(table: Collection<T>, id: string | undefined, what: string): T {
  const r = table.get(id ?? '');
  if (!r) throw new HttpError(404, `no ${what} '${id}'`);
  return r;
}

function csvCell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function mappingRows(store: MesStore, url: URL): MesMappingRow[] {
  const codes = listParam(url, 'mesCodes');
  const materials = listParam(url, 'erpMaterials');
  let rows = codes ? store.mapping.getMany(codes) : store.mapping.all().slice();
  if (materials) {
    const wanted = new Set(materials);
    rows = rows.filter((r) => wanted.has(r.erpMaterial));
  }
  return rows;
}

export interface MesAppDeps {
  store: MesStore;
  events: EventLog;
  floor: ShopFloor;
  streams: StreamRegistry;
  seededFaults: readonly SeededFault[];
}

export interface MesApp {
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  faults: FaultInjector;
}

export function createMesApp({ store, events, floor, streams, seededFaults }: MesAppDeps): MesApp {
  const stats = new Stats();
  const faults = new FaultInjector();
  // An outage drops live feeds too, so the hub's reconnect logic is exercised.
  faults.onDown(() => streams.endAll());
  const writes = new MesWrites(store, events, floor);
  const api = new Router()
    .on('POST', '/api/v1/job-orders', async ({ req, res }) => {
      const { status, job } = writes.createJobOrder(await readObject(req));
      sendJson(res, status, job);
    })
    .on('POST', '/api/v1/job-orders/:id/segments/:seq/reports', async ({ req, res, params }) => {
      const { status, answer } = writes.report(params.id ?? '', params.seq ?? '', await readObject(req));
      sendJson(res, status, answer);
    })
    .on('GET', '/api/v1/job-orders/:id', ({ res, params }) => sendJson(res, 200, one(store.jobOrders, params.id, 'job order')))
    .on('GET', '/api/v1/equipment/:id', ({ res, params }) => sendJson(res, 200, one(store.equipment, params.id, 'equipment')))
    .on('POST', '/api/v1/lot-genealogy', async ({ req, res }) => sendJson(res, 200, genealogy(store, await readObject(req))))
    .on('GET', '/api/v1/material-lots/:id', ({ res, params }) => sendJson(res, 200, one(store.lots, params.id, 'material lot')))
    .on('GET', '/api/v1/quality-results/:id', ({ res, params }) => sendJson(res, 200, one(store.qualityResults, params.id, 'quality result')))
    .on('GET', '/api/v1/material-mapping', ({ res, url }) => {
      const items = mappingRows(store, url);
      sendJson(res, 200, { items, total: items.length });
    })
    .on('GET', '/api/v1/material-mapping.csv', ({ res, url }) => {
      const lines = ['erpMaterial,mesCode,erpUnit,mesUnit,factor'];
      for (const r of mappingRows(store, url)) lines.push([r.erpMaterial, r.mesCode, r.erpUnit, r.mesUnit, r.factor].map(csvCell).join(','));
      sendText(res, 200, `${lines.join('\n')}\n`, 'text/csv; charset=utf-8');
    })
    .on('GET', '/api/v1/events', ({ req, res, url }) => {
      const rawAfter = url.searchParams.get('after');
      if (rawAfter !== null && rawAfter !== '' && !/^\d+$/.test(rawAfter)) throw new HttpError(400, `after must be a non-negative integer, got '${rawAfter}'`);
      const after = rawAfter === null || rawAfter === '' ? undefined : Number(rawAfter);
      const format = url.searchParams.get('format');
      if (format === 'json') {
        const from = after ?? 0;
        const limit = Math.min(MAX_LIMIT, intParam(url, 'limit', DEFAULT_LIMIT));
        const items = events.after(from, limit).map(wireEvent);
        const lastItem = items[items.length - 1];
        sendJson(res, 200, { items, lastId: lastItem ? lastItem.id : Math.min(from, events.lastId) });
        return;
      }
      if (format !== null && format !== 'sse') throw new HttpError(400, `format must be json or sse, got '${format}'`);
      serveEventStream(req, res, events, streams, after);
    });

  addListRoutes(api, store);
  const admin = addCommonAdminRoutes(new Router(), { stats, faults, seededFaults, records: store })
    .on('POST', '/admin/progress', async ({ req, res }) => {
      const body = await readObject(req);
      sendJson(res, 200, floor.progress(body.workOrderId, body.goodQuantity, body.scrapQuantity));
    })
    .on('POST', '/admin/equipment-state', async ({ req, res }) => {
      const body = await readObject(req);
      sendJson(res, 200, floor.setEquipmentState(body.equipmentId, body.state));
    })
    .on('POST', '/admin/events', async ({ req, res }) => {
      const body = await readObject(req);
      if (typeof body.type !== 'string' || body.type.trim() === '') throw new HttpError(400, 'type must be a non-empty string');
      const data = body.data ?? {};
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new HttpError(400, 'data must be a JSON object');
      sendJson(res, 200, { eventId: events.append(body.type, data as Record<string, unknown>).id });
    });
  return { handler: createSystemHandler({ style: 'rest', api, admin, stats, faults }), faults };
}
