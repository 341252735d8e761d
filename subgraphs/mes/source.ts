/**
 * What the MES subgraph needs from an MES, in the MES's own words (its ids, codes and units: the
 * translation to ERP terms happens above, in mapping.ts). The REST adapter is one implementation.
 */
export type MesJobStatus = 'PLANNED' | 'RUNNING' | 'PAUSED' | 'COMPLETED' | 'CANCELLED';
export type MesSegmentStatus = 'PENDING' | 'RUNNING' | 'COMPLETED';
export type MesEquipmentState = 'RUNNING' | 'IDLE' | 'SETUP' | 'DOWN' | 'MAINTENANCE';

export interface MesParameter {
  name: string;
  value: number;
  unit: string | null;
  lowerLimit: number | null;
  upperLimit: number | null;
}

export interface MesSegment {
  sequence: number;
  description: string;
  equipmentId: string | null;
  status: MesSegmentStatus;
  goodQuantity: number;
  scrapQuantity: number;
  startedAt: string | null;
  finishedAt: string | null;
  parameters: MesParameter[];
}

export interface MesJobOrder {
  id: string;
  /** The ERP order number as the MES keeps it (no leading zeros). */
  erpOrder: string;
  site: string;
  materialCode: string;
  quantity: number;
  unit: string;
  status: MesJobStatus;
  plannedStart: string | null;
  plannedEnd: string | null;
  segments: MesSegment[];
  /** Who scheduled it: `<ERP order>/<part>` for work orders the hub released (absent for others). */
  externalReference?: string;
}

export interface MesEquipment {
  id: string;
  name: string;
  site: string;
  workCenter: string | null;
  state: MesEquipmentState;
  stateSince: string | null;
}

export interface MesLot {
  id: string;
  materialCode: string;
  site: string;
  quantity: number;
  unit: string;
  status: 'AVAILABLE' | 'CONSUMED' | 'BLOCKED';
  producedByJobOrder: string | null;
  consumedLots: string[];
  createdAt: string;
}

export interface MesQualityResult {
  id: string;
  jobOrderId: string;
  sequence: number;
  characteristic: string;
  value: number;
  unit: string | null;
  lowerLimit: number | null;
  upperLimit: number | null;
  result: 'PASS' | 'FAIL';
  recordedAt: string;
}

/** One row of the master-data team's export: `erpQuantity = mesQuantity * factor` (null: no factor known). */
export interface MappingRow {
  erpMaterial: string;
  mesCode: string;
  erpUnit: string;
  mesUnit: string;
  factor: number | null;
}

export interface MesSource {
  jobOrdersByIds(ids: readonly string[]): Promise<MesJobOrder[]>;
  jobOrdersByErpOrders(erpOrderIds: readonly string[]): Promise<MesJobOrder[]>;
  /** Every job order of a site (or of all): a plant-wide join cannot ask by order number, or it would never see an orphan. */
  allJobOrders(site?: string): Promise<MesJobOrder[]>;
  equipmentByIds(ids: readonly string[]): Promise<MesEquipment[]>;
  equipmentList(site?: string): Promise<MesEquipment[]>;
  lotsByIds(ids: readonly string[]): Promise<MesLot[]>;
  lotsByMaterialCodes(codes: readonly string[]): Promise<MesLot[]>;
  qualityByJobOrders(jobOrderIds: readonly string[]): Promise<MesQualityResult[]>;
}
