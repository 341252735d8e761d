import type { ConnectorConfig } from '../../lib/config.ts';
import { PostedQueries, type JsonClient, type PostedQueryOptions } from '../../lib/http-client.ts';
import type { Logger } from '../../lib/log.ts';
import type { MesConsumption, MesEquipment, MesEquipmentStateChange, MesGenealogyItem, MesJobOrder, MesLot, MesQualityResult, MesSource } from './source.ts';

interface ListPage<T> {
  items: T[];
  total: number;
}

/**
 * Ids per `?ids=` call: keeps URLs short. More ids go in one `POST /api/v1/<resource>/query` with the
 * ids in a JSON body, or, for a MES without it, as parallel chunks (latency stays one round trip).
 */
const CHUNK = 100;
/** Rows asked per GET page (the demo MES's maximum `limit`); a MES answering fewer is paged on. */
const PAGE = 1000;

export interface RestSourceOptions extends PostedQueryOptions {
  /** Rows asked per POSTed answer. */
  batchPageSize: number;
}

export function restSourceOptions(c: ConnectorConfig, log: Pick<Logger, 'warn'>): RestSourceOptions {
  return { postQuery: c.mesPostQuery, batchPageSize: c.mesBatchPageSize, onUnsupported: (detail) => log.warn('MES batch query not offered', { detail }) };
}

export function createRestMesSource(client: JsonClient, options: RestSourceOptions): MesSource {
  const posted = new PostedQueries(options);

  /** Every page of an answer: `fetchPage(offset)` until the total is read or a page comes back empty. */
  async function paged<T>(fetchPage: (offset: number) => Promise<ListPage<T> | undefined>): Promise<T[]> {
    const out: T[] = [];
    for (;;) {
      const page = await fetchPage(out.length);
      if (!page) return out;
      out.push(...page.items);
      if (page.items.length === 0 || out.length >= page.total) return out;
    }
  }

  const list = <T>(path: string, params: Record<string, string>): Promise<T[]> =>
    paged((offset) => client.get<ListPage<T>>(`api/v1/${path}?${new URLSearchParams({ ...params, limit: String(PAGE), offset: String(offset) })}`));

  /** One POSTed query (paged); undefined when this MES does not offer it (remembered: chunked GETs from then on). */
  async function queried<T>(path: string, body: Record<string, unknown>): Promise<T[] | undefined> {
    const pageAt = (offset: number) =>
      client.query<ListPage<T>>(`api/v1/${path}/query`, JSON.stringify({ ...body, limit: options.batchPageSize, offset }), 'application/json');
    const first = await posted.try(`POST api/v1/${path}/query`, `ids go in chunks of ${CHUNK} per GET`, () => pageAt(0));
    // paged() asks for offset 0 only first (it returns on an empty page): that page is read already.
    return first && paged(async (offset) => (offset === 0 ? first : pageAt(offset)));
  }

  async function byKeys<T>(path: string, param: string, keys: readonly string[], extra: Record<string, string> = {}): Promise<T[]> {
    const unique = [...new Set(keys)];
    if (posted.on && unique.length > CHUNK) {
      const rows = await queried<T>(path, { ...extra, [param]: unique });
      if (rows) return rows;
    }
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += CHUNK) chunks.push(unique.slice(i, i + CHUNK));
    const pages = await Promise.all(chunks.map((c) => list<T>(path, { ...extra, [param]: c.join(',') })));
    return pages.flat();
  }

  return {
    jobOrdersByIds: (ids) => byKeys<MesJobOrder>('job-orders', 'ids', ids),
    jobOrdersByErpOrders: (ids) => byKeys<MesJobOrder>('job-orders', 'erpOrders', ids),
    allJobOrders: (site) => list<MesJobOrder>('job-orders', site ? { site } : {}),
    equipmentByIds: (ids) => byKeys<MesEquipment>('equipment', 'ids', ids),
    equipmentList: (site) => list<MesEquipment>('equipment', site ? { site } : {}),
    lotsByIds: (ids) => byKeys<MesLot>('material-lots', 'ids', ids),
    lotsByMaterialCodes: (codes) => byKeys<MesLot>('material-lots', 'materialCodes', codes),
    qualityByJobOrders: (ids) => byKeys<MesQualityResult>('quality-results', 'jobOrders', ids),
    // POST with the ids in the body: a trace level may hold thousands of lots, too many for one URL,
    // and chunking would break the one-call-per-level promise of traceLot.
    genealogy: async (lots, direction) =>
      (await client.send<{ items: MesGenealogyItem[] }>('POST', 'api/v1/lot-genealogy', { lots, direction })).items,
    consumptionsByJobOrders: (ids) => byKeys<MesConsumption>('lot-consumptions', 'jobOrders', ids),
    async jobOrders(q) {
      const params: Record<string, string> = { limit: String(q.limit), offset: String(q.offset) };
      if (q.site !== undefined) params.site = q.site;
      if (q.status?.length) params.status = q.status.join(',');
      if (q.equipment !== undefined) params.equipment = q.equipment;
      const page = await client.get<ListPage<MesJobOrder>>(`api/v1/job-orders?${new URLSearchParams(params)}`);
      return { items: page?.items ?? [], total: page?.total ?? 0 };
    },
    openJobOrdersByEquipment: (ids) => byKeys<MesJobOrder>('job-orders', 'equipment', ids, { status: 'PLANNED,RUNNING,PAUSED' }),
    equipmentStatesByEquipment: (ids) => byKeys<MesEquipmentStateChange>('equipment-states', 'equipment', ids),
  };
}
