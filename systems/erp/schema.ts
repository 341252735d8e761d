/** The demo ERP's entity sets: field types (for `$filter` type checks), keys and indexed fields. */
import type { Scalar } from '../plant/types.ts';

export type FieldType = 'string' | 'number' | 'boolean';
export type Row = Record<string, Scalar>;

export interface EntitySet {
  name: string;
  key: readonly string[];
  fields: Readonly<Record<string, FieldType>>;
  /** Fields batch filters hit (`OrderNumber in (...)`): answered from an index instead of a scan. */
  indexed: readonly string[];
}

const S = 'string';
const N = 'number';

export const ENTITY_SETS: readonly EntitySet[] = [
  { name: 'Plants', key: ['Plant'], fields: { Plant: S, Name: S, Currency: S }, indexed: [] },
  {
    name: 'Materials',
    key: ['Material'],
    fields: { Material: S, Description: S, BaseUnit: S, MaterialType: S, StandardCost: N, MovingAveragePrice: N, Currency: S, MaterialGroup: S },
    indexed: [],
  },
  {
    name: 'MaterialStock',
    key: ['Material', 'Plant', 'StorageLocation'],
    fields: { Material: S, Plant: S, StorageLocation: S, Quantity: N, Unit: S },
    indexed: ['Material'],
  },
  {
    name: 'BillOfMaterialItems',
    key: ['Material', 'Plant', 'Item'],
    fields: { Material: S, Plant: S, Item: S, Component: S, Quantity: N, Unit: S },
    indexed: ['Material', 'Component'],
  },
  {
    name: 'WorkCenters',
    key: ['WorkCenter'],
    fields: { WorkCenter: S, Plant: S, Description: S, MachineRate: N, LabourRate: N, Crew: N, Currency: S },
    indexed: [],
  },
  {
    name: 'ProductionOrders',
    key: ['OrderNumber'],
    fields: {
      OrderNumber: S, Plant: S, Material: S, PlannedQuantity: N, Unit: S, PlannedStart: S, PlannedEnd: S, Status: S,
      ConfirmedYield: N, ConfirmedScrap: N, PlannedCost: N, ActualCost: N, Currency: S, LastChangedAt: S,
    },
    indexed: ['Material'],
  },
  {
    name: 'ProductionOrderOperations',
    key: ['OrderNumber', 'Operation'],
    fields: { OrderNumber: S, Operation: S, Description: S, WorkCenter: S, MinutesPerUnit: N, Status: S, ConfirmedYield: N, ConfirmedScrap: N },
    indexed: ['OrderNumber'],
  },
  {
    name: 'ProductionOrderConfirmations',
    key: ['ConfirmationId'],
    fields: { ConfirmationId: S, OrderNumber: S, Operation: S, Yield: N, Scrap: N, Unit: S, ExternalReference: S, PostedAt: S },
    indexed: ['OrderNumber', 'ExternalReference'],
  },
];

export const SETS_BY_NAME: ReadonlyMap<string, EntitySet> = new Map(ENTITY_SETS.map((s) => [s.name, s]));

/** Composite keys are joined with ',' (also the id form of `/admin/records/<Set>/<id>`). */
export function keyOf(set: EntitySet, row: Row): string {
  return set.key.map((k) => String(row[k] ?? '')).join(',');
}
