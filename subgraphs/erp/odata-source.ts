import { text as str } from '../../lib/fields.ts';
import type { JsonClient } from '../../lib/http-client.ts';
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
 * Ids per `in (...)` filter. Keeps URLs well under common 8 KiB limits of ERP front-ends; chunks go out
 * in parallel, so 50 or 100 ids still cost one round trip of latency.
 */
const IN_CHUNK = 100;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
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
    currency: str(r.Currency),
  };
}

const ORDER_BY: Record<OrderQuery['orderBy'], string> = {
  ID_ASC: 'OrderNumber asc',
  ID_DESC: 'OrderNumber desc',
  PLANNED_START_ASC: 'PlannedStart asc,OrderNumber asc',
  PLANNED_START_DESC: 'PlannedStart desc,OrderNumber desc',
};

export function createODataErpSource(client: JsonClient): ErpSource {
  /** Reads every page of a collection (following `@odata.nextLink`) up to `limit` rows. */
  async function collect(path: string, params: Record<string, string>, limit = Infinity): Promise<Page<Row>> {
    const qs = Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    let next: string | undefined = `odata/${path}${qs ? `?${qs}` : ''}`;
    const items: Row[] = [];
    let total = -1;
    while (next && items.length < limit) {
      const page: ODataPage<Row> | undefined = await client.get<ODataPage<Row>>(next);
      if (!page) break;
      if (total < 0 && typeof page['@odata.count'] === 'number') total = page['@odata.count'];
      items.push(...page.value);
      next = page['@odata.nextLink'];
    }
    if (items.length > limit) items.length = limit;
    return { items, total: total < 0 ? items.length : total };
  }

  async function byKeys(set: string, field: string, keys: readonly string[], extra: Record<string, string> = {}) {
    const unique = [...new Set(keys)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += IN_CHUNK) chunks.push(unique.slice(i, i + IN_CHUNK));
    const pages = await Promise.all(
      chunks.map((chunk) =>
        collect(set, { $filter: `${field} in (${chunk.map(odataString).join(',')})`, ...extra }),
      ),
    );
    return pages.flatMap((p) => p.items);
  }

  return {
    async ordersByIds(ids) {
      return (await byKeys('ProductionOrders', 'OrderNumber', ids.map(erpOrderKey))).map(toOrder);
    },
    async orders(q) {
      const filters: string[] = [];
      if (q.plant !== undefined) filters.push(`Plant eq ${odataString(q.plant)}`);
      if (q.status?.length) filters.push(`Status in (${q.status.map(odataString).join(',')})`);
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
  };
}
