import type { RecordStore } from '../common/admin.ts';
import { Collection } from '../common/collection.ts';
import { HttpError } from '../common/http.ts';
import type { MesData, MesEquipment, MesEquipmentStateChange, MesJobOrder, MesLot, MesMappingRow, MesQualityResult } from '../plant/types.ts';
import { checkRecord } from './records.ts';

/** What admin writes need of a table; method syntax keeps it assignable from every Collection<T>. */
interface Table {
  upsert(record: object): boolean;
  delete(key: string): boolean;
}

/** Equipment state changes kept (a week of generated history is a few thousand). */
export const MAX_STATE_LOG = 50_000;

/** The demo MES's tables. Indexed fields are the ones batch lookups filter by and nothing edits in place. */
export class MesStore implements RecordStore {
  readonly jobOrders: Collection<MesJobOrder>;
  readonly equipment: Collection<MesEquipment>;
  /** The equipment state log (ids `SC-...` in time order), generated history plus every change since. */
  readonly equipmentStates: Collection<MesEquipmentStateChange>;
  readonly lots: Collection<MesLot>;
  readonly qualityResults: Collection<MesQualityResult>;
  readonly mapping: Collection<MesMappingRow>;
  private lastLot: number;
  private lastQuality: number;
  private lastJob: number;
  private lastStateChange: number;

  constructor(data: MesData) {
    this.jobOrders = new Collection((j) => j.id, data.jobOrders);
    this.equipment = new Collection((e) => e.id, data.equipment);
    this.equipmentStates = new Collection((c) => c.id, data.equipmentStates);
    this.lots = new Collection((l) => l.id, data.lots);
    this.qualityResults = new Collection((q) => q.id, data.qualityResults);
    this.mapping = new Collection((m) => m.mesCode, data.mapping);
    this.lastLot = data.lots.length;
    this.lastQuality = data.qualityResults.length;
    this.lastJob = data.jobOrders.length;
    this.lastStateChange = data.equipmentStates.length;
  }

  nextJobId(): string {
    let id: string;
    do id = `WO-${String(++this.lastJob).padStart(6, '0')}`;
    while (this.jobOrders.get(id));
    return id;
  }

  /**
   * Appends to the equipment state log. The simulator changes a state every ten seconds or so, for as
   * long as the demo runs: past MAX_STATE_LOG entries the oldest go, as the event log's oldest do.
   */
  recordStateChange(change: Omit<MesEquipmentStateChange, 'id'>): void {
    let id: string;
    do id = `SC-${String(++this.lastStateChange).padStart(7, '0')}`;
    while (this.equipmentStates.get(id));
    this.equipmentStates.upsert({ id, ...change });
    if (this.equipmentStates.size > MAX_STATE_LOG) {
      for (const old of this.equipmentStates.all().slice(0, this.equipmentStates.size - MAX_STATE_LOG + 1000)) this.equipmentStates.delete(old.id);
    }
  }

  nextLotId(): string {
    let id: string;
    do id = `L-${String(++this.lastLot).padStart(6, '0')}`;
    while (this.lots.get(id));
    return id;
  }

  nextQualityId(): string {
    let id: string;
    do id = `QR-${String(++this.lastQuality).padStart(6, '0')}`;
    while (this.qualityResults.get(id));
    return id;
  }

  private table(collection: string): Table {
    const tables: Record<string, Table> = {
      'job-orders': this.jobOrders,
      equipment: this.equipment,
      'material-lots': this.lots,
      'quality-results': this.qualityResults,
      'material-mapping': this.mapping,
    };
    const t = tables[collection];
    if (!t) throw new HttpError(404, `no collection '${collection}' (${Object.keys(tables).join(', ')})`);
    return t;
  }

  upsert(collection: string, id: string, body: Record<string, unknown>): { record: unknown; created: boolean } {
    const table = this.table(collection);
    const record = checkRecord(collection, id, body);
    return { record, created: table.upsert(record) };
  }

  remove(collection: string, id: string): boolean {
    return this.table(collection).delete(id);
  }
}
