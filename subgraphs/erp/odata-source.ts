import { text as str } from '../../lib/fields.ts';
import type { ConnectorConfig } from '../../lib/config.ts';
import { PostedQueries, type JsonClient, type PostedQueryOptions } from '../../lib/http-client.ts';
import type { Logger } from '../../lib/log.ts';
import { canonicalUnit } from '../../lib/units.ts';
import { erpMaterialKey, erpOrderKey, normaliseMaterialId, normaliseOrderId } from './ids.ts';
import type {
  ErpBomItem,
  ErpConfirmationRecord,
  ErpMaterial,
  ErpMaterialType,
  ErpOrder,
  ErpOrderStatus,
  ErpPlant,
  ErpRoutingOperation,
  ErpSource,
  ErpStock,
  ErpWorkCenter,
  OrderQuery,
  Page,
} from './source.ts';

/** An OData v4 JSON collection response (the subset the demo ERP, S/4HANA and Dynamics share). */
interface ODataPage<T> {
  value: T[];
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
}

type Row = Record<string, unknown>;

/**
 * OData string literal. Quotes are doubled per the OData ABNF, so a value such as `') or 1 eq 1 or ('`
 * stays one literal and can never widen a filter.
 */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Ids per `in (...)` filter in a URL: well under common 8 KiB limits of ERP front-ends. More ids go in
 * one `POST <Set>/$query` (OData 4.01: the query options as the text/plain body), or, for an ERP
 * without it, as parallel chunks, so 500 ids still cost one round trip of latency.
 */
const IN_CHUNK = 100;

export interface ODataSourceOptions extends PostedQueryOptions {
  /** Rows per answer asked with `Prefer: odata.maxpagesize`; 0 = the ERP's own page size. */
  maxPageSize: number;
}

export function odataSourceOptions(c: ConnectorConfig, log: Pick<Logger, 'warn'>): ODataSourceOptions {
  return { postQuery: c.erpPostQuery, maxPageSize: c.erpMaxPageSize, onUnsupported: (detail) => log.warn('ERP batch query not offered', { detail }) };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
const optNum = (v: unknown): number | null => (v == null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
const opSeq = (v: unknown): number => Number.parseInt(str(v), 10) || 0;
const orderId = (v: unknown): string => normaliseOrderId(str(v)) ?? str(v);
const materialId = (v: unknown): string => normaliseMaterialId(str(v)) ?? str(v);

const MATERIAL_TYPES: Record<string, ErpMaterialType> = { FERT: 'FINISHED', HALB: 'SEMI_FINISHED', ROH: 'RAW' };
const MATERIAL_TYPE_CODES: Record<ErpMaterialType, string> = { FINISHED: 'FERT', SEMI_FINISHED: 'HALB', RAW: 'ROH' };

function toOrder(r: Row): ErpOrder {
  return {
    id: orderId(r.OrderNumber),
    plant: str(r.Plant),
    materialId: materialId(r.Material),
    plannedQuantity: num(r.PlannedQuantity),
    unit: canonicalUnit(str(r.Unit)),
    plannedStart: str(r.PlannedStart),
    plannedEnd: str(r.PlannedEnd),
    status: str(r.Status) as ErpOrderStatus,
    confirmedQuantity: num(r.ConfirmedYield),
    confirmedScrapQuantity: num(r.ConfirmedScrap),
    plannedCost: num(r.PlannedCost),
    actualCost: num(r.ActualCost),
    currency: str(r.Currency),
  };
}

function toMaterial(r: Row): ErpMaterial {
  return {
    id: materialId(r.Material),
    description: str(r.Description),
    baseUnit: canonicalUnit(str(r.BaseUnit)),
    type: MATERIAL_TYPES[str(r.MaterialType)] ?? 'RAW',
    materialGroup: r.MaterialGroup == null ? null : str(r.MaterialGroup),
    standardCost: num(r.StandardCost),
    movingAveragePrice: optNum(r.MovingAveragePrice),
    currency: str(r.Currency),
  };
}

const ORDER_BY: Record<OrderQuery['orderBy'], string> = {
  ID_ASC: 'OrderNumber asc',
  ID_DESC: 'OrderNumber desc',
  PLANNED_START_ASC: 'PlannedStart asc,OrderNumber asc',
  PLANNED_START_DESC: 'PlannedStart desc,OrderNumber desc',
  PLANNED_END_ASC: 'PlannedEnd asc,OrderNumber asc',
  PLANNED_END_DESC: 'PlannedEnd desc,OrderNumber desc',
};

export function createODataErpSource(client: JsonClient, options: ODataSourceOptions): ErpSource {
  const prefer = options.maxPageSize > 0 ? { prefer: `odata.maxpagesize=${options.maxPageSize}` } : undefined;
  const posted = new PostedQueries(options);
  const encode = (params: Record<string, string>) =>
    Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');

  /** Reads `first` and the pages after it (following `@odata.nextLink`) up to `limit` rows. */
  async function pages(first: ODataPage<Row> | undefined, limit: number): Promise<Page<Row>> {
    const items: Row[] = [];
    let total = -1;
    for (let page = first; page; ) {
      if (total < 0 && typeof page['@odata.count'] === 'number') total = page['@odata.count'];
      items.push(...page.value);
      const next = page['@odata.nextLink'];
      if (!next || items.length >= limit) break;
      page = await client.get<ODataPage<Row>>(next, prefer);
    }
    if (items.length > limit) items.length = limit;
    return { items, total: total < 0 ? items.length : total };
  }

  async function collect(path: string, params: Record<string, string>, limit = Infinity): Promise<Page<Row>> {
    const qs = encode(params);
    return pages(await client.get<ODataPage<Row>>(`odata/${path}${qs ? `?${qs}` : ''}`, prefer), limit);
  }

  /** One `$query` POST; undefined when this ERP does not offer it (remembered: chunked GETs from then on). */
  async function queried(set: string, params: Record<string, string>): Promise<Row[] | undefined> {
    const first = await posted.try(`POST odata/${set}/$query`, `ids go in chunks of ${IN_CHUNK} per GET`, () =>
      client.query<ODataPage<Row>>(`odata/${set}/$query`, encode(params), 'text/plain', prefer),
    );
    return first && (await pages(first, Infinity)).items;
  }

  async function byKeys(set: string, field: string, keys: readonly string[], extra: Record<string, string> = {}) {
    const unique = [...new Set(keys)];
    const filter = (ids: readonly string[]) => ({ $filter: `${field} in (${ids.map(odataString).join(',')})`, ...extra });
    if (posted.on && unique.length > IN_CHUNK) {
      const rows = await queried(set, filter(unique));
      if (rows) return rows;
    }
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += IN_CHUNK) chunks.push(unique.slice(i, i + IN_CHUNK));
    const answers = await Promise.all(chunks.map((chunk) => collect(set, filter(chunk))));
    return answers.flatMap((p) => p.items);
  }

  return {
    async ordersByIds(ids) {
      return (await byKeys('ProductionOrders', 'OrderNumber', ids.map(erpOrderKey))).map(toOrder);
    },
    async orders(q) {
      const filters: string[] = [];
      if (q.plant !== undefined) filters.push(`Plant eq ${odataString(q.plant)}`);
      if (q.status?.length) filters.push(`Status in (${q.status.map(odataString).join(',')})`);
      if (q.material !== undefined) filters.push(`Material eq ${odataString(erpMaterialKey(q.material))}`);
      // ISO instants the resolver normalised (lib/connection.ts periodArg): OData date-time literals, unquoted.
      if (q.plannedEnd?.from) filters.push(`PlannedEnd ge ${q.plannedEnd.from}`);
      if (q.plannedEnd?.to) filters.push(`PlannedEnd lt ${q.plannedEnd.to}`);
      const params: Record<string, string> = {
        $orderby: ORDER_BY[q.orderBy],
        $count: 'true',
        $top: String(q.limit),
      };
      if (q.offset > 0) params.$skip = String(q.offset);
      if (filters.length) params.$filter = filters.join(' and ');
      const page = await collect('ProductionOrders', params, q.limit);
      return { items: page.items.map(toOrder), total: page.total };
    },
    async materialsByIds(ids) {
      return (await byKeys('Materials', 'Material', ids.map(erpMaterialKey))).map(toMaterial);
    },
    async materials(q) {
      const params: Record<string, string> = { $orderby: 'Material asc', $count: 'true', $top: String(q.limit) };
      if (q.offset > 0) params.$skip = String(q.offset);
      if (q.type) params.$filter = `MaterialType eq ${odataString(MATERIAL_TYPE_CODES[q.type])}`;
      const page = await collect('Materials', params, q.limit);
      return { items: page.items.map(toMaterial), total: page.total };
    },
    async stockByMaterials(ids) {
      const rows = await byKeys('MaterialStock', 'Material', ids.map(erpMaterialKey));
      return rows.map(
        (r): ErpStock => ({
          materialId: materialId(r.Material),
          plant: str(r.Plant),
          storageLocation: str(r.StorageLocation),
          quantity: num(r.Quantity),
          unit: canonicalUnit(str(r.Unit)),
        }),
      );
    },
    async bomByMaterials(ids) {
      const rows = await byKeys('BillOfMaterialItems', 'Material', ids.map(erpMaterialKey));
      return rows.map(
        (r): ErpBomItem => ({
          materialId: materialId(r.Material),
          plant: str(r.Plant),
          item: str(r.Item),
          componentId: materialId(r.Component),
          quantity: num(r.Quantity),
          unit: canonicalUnit(str(r.Unit)),
        }),
      );
    },
    async routingByOrders(ids) {
      const rows = await byKeys('ProductionOrderOperations', 'OrderNumber', ids.map(erpOrderKey));
      return rows.map(
        (r): ErpRoutingOperation => ({
          orderId: orderId(r.OrderNumber),
          sequence: opSeq(r.Operation),
          description: str(r.Description),
          workCenter: str(r.WorkCenter),
          minutesPerUnit: optNum(r.MinutesPerUnit),
          confirmedQuantity: num(r.ConfirmedYield),
          confirmedScrapQuantity: num(r.ConfirmedScrap),
        }),
      );
    },
    async confirmationsByOrders(ids) {
      const rows = await byKeys('ProductionOrderConfirmations', 'OrderNumber', ids.map(erpOrderKey));
      return rows.map(
        (r): ErpConfirmationRecord => ({
          id: str(r.ConfirmationId),
          orderId: orderId(r.OrderNumber),
          operationSequence: opSeq(r.Operation),
          quantity: num(r.Yield),
          scrapQuantity: num(r.Scrap),
          unit: canonicalUnit(str(r.Unit)),
          externalReference: r.ExternalReference == null ? null : str(r.ExternalReference),
          postedAt: str(r.PostedAt),
        }),
      );
    },
    async plants() {
      const page = await collect('Plants', {});
      return page.items.map((r): ErpPlant => ({ id: str(r.Plant), name: str(r.Name), currency: str(r.Currency) }));
    },
    async workCenters(plant) {
      const page = await collect('WorkCenters', plant === undefined ? {} : { $filter: `Plant eq ${odataString(plant)}` });
      return page.items.map(
        (r): ErpWorkCenter => ({
          id: str(r.WorkCenter),
          plant: str(r.Plant),
          description: str(r.Description),
          machineRate: optNum(r.MachineRate),
          labourRate: optNum(r.LabourRate),
          crew: optNum(r.Crew),
          currency: str(r.Currency),
        }),
      );
    },
  };
}
