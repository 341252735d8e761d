import { Collection } from '../common/collection.ts';
import { HttpError } from '../common/http.ts';
import type { RecordStore } from '../common/admin.ts';
import type { ErpData } from '../plant/types.ts';
import { ENTITY_SETS, SETS_BY_NAME, keyOf, type EntitySet, type Row } from './schema.ts';

/** The demo ERP's tables, one per entity set, plus its confirmation number range. */
export class ErpStore implements RecordStore {
  readonly tables = new Map<string, Collection<Row>>();
  private lastConfirmation = 0;

  constructor(data: ErpData) {
    const rows: Record<string, readonly Row[]> = {
      Plants: data.plants,
      Materials: data.materials,
      MaterialStock: data.stock,
      BillOfMaterialItems: data.bomItems,
      WorkCenters: data.workCenters,
      ProductionOrders: data.orders,
      ProductionOrderOperations: data.operations,
      ProductionOrderConfirmations: data.confirmations,
    };
    for (const set of ENTITY_SETS) this.tables.set(set.name, new Collection<Row>((r) => keyOf(set, r), rows[set.name] ?? []));
    for (const c of data.confirmations) this.lastConfirmation = Math.max(this.lastConfirmation, Number(c.ConfirmationId) || 0);
  }

  set(name: string): { set: EntitySet; table: Collection<Row> } {
    const set = SETS_BY_NAME.get(name);
    const table = this.tables.get(name);
    if (!set || !table) throw new HttpError(404, `no entity set '${name}'`);
    return { set, table };
  }

  nextConfirmationId(): string {
    for (;;) {
      const id = String(++this.lastConfirmation).padStart(10, '0');
      if (!this.set('ProductionOrderConfirmations').table.get(id)) return id;
    }
  }

  upsert(collection: string, id: string, body: Record<string, unknown>): { record: unknown; created: boolean } {
    const { set, table } = this.set(collection);
    const keyParts = id.split(',');
    if (keyParts.length !== set.key.length) throw new HttpError(400, `id of ${set.name} is ${set.key.join(',')}`);
    const row: Row = {};
    for (const [field, type] of Object.entries(set.fields)) {
      const v = body[field] ?? null;
      if (v !== null && typeof v !== type) throw new HttpError(400, `${set.name}.${field} must be a ${type} or null`);
      row[field] = v as Row[string];
    }
    for (const field of Object.keys(body)) if (!Object.hasOwn(set.fields, field)) throw new HttpError(400, `unknown field '${field}' in ${set.name}`);
    set.key.forEach((k, i) => {
      const part = keyParts[i] ?? '';
      if (body[k] !== undefined && body[k] !== part) throw new HttpError(400, `${k} in the body (${String(body[k])}) differs from the id (${part})`);
      row[k] = part;
    });
    const created = table.upsert(row);
    return { record: row, created };
  }

  remove(collection: string, id: string): boolean {
    return this.set(collection).table.delete(id);
  }
}
