/**
 * Record shapes of the two demo systems, exactly as their APIs answer them (see systems/README.md).
 * ERP rows are type aliases, not interfaces, so that they stay assignable to the generic OData row type.
 */

export type Scalar = string | number | boolean | null;

export const ERP_STATUSES = [
  'CREATED',
  'RELEASED',
  'PARTIALLY_CONFIRMED',
  'CONFIRMED',
  'TECHNICALLY_COMPLETED',
  'CLOSED',
] as const;
export type ErpOrderStatus = (typeof ERP_STATUSES)[number];
export type ErpOperationStatus = 'CREATED' | 'RELEASED' | 'PARTIALLY_CONFIRMED' | 'CONFIRMED';

export type ErpPlant = { Plant: string; Name: string; Currency: string };
export type ErpMaterial = {
  Material: string;
  Description: string;
  BaseUnit: string;
  MaterialType: 'FERT' | 'HALB' | 'ROH';
  StandardCost: number;
  Currency: string;
  MaterialGroup: string;
};
export type ErpStock = { Material: string; Plant: string; StorageLocation: string; Quantity: number; Unit: string };
export type ErpBomItem = { Material: string; Plant: string; Item: string; Component: string; Quantity: number; Unit: string };
export type ErpWorkCenter = { WorkCenter: string; Plant: string; Description: string };
export type ErpOrder = {
  OrderNumber: string;
  Plant: string;
  Material: string;
  PlannedQuantity: number;
  Unit: string;
  PlannedStart: string;
  PlannedEnd: string;
  Status: ErpOrderStatus;
  ConfirmedYield: number;
  ConfirmedScrap: number;
  PlannedCost: number;
  ActualCost: number;
  Currency: string;
  LastChangedAt: string;
};
export type ErpOperation = {
  OrderNumber: string;
  Operation: string;
  Description: string;
  WorkCenter: string;
  Status: ErpOperationStatus;
  ConfirmedYield: number;
  ConfirmedScrap: number;
};
export type ErpConfirmation = {
  ConfirmationId: string;
  OrderNumber: string;
  Operation: string;
  Yield: number;
  Scrap: number;
  Unit: string;
  ExternalReference: string | null;
  PostedAt: string;
};

export interface ErpData {
  plants: ErpPlant[];
  materials: ErpMaterial[];
  stock: ErpStock[];
  bomItems: ErpBomItem[];
  workCenters: ErpWorkCenter[];
  orders: ErpOrder[];
  operations: ErpOperation[];
  confirmations: ErpConfirmation[];
}

export const JOB_STATUSES = ['PLANNED', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type SegmentStatus = 'PENDING' | 'RUNNING' | 'COMPLETED';
export const EQUIPMENT_STATES = ['RUNNING', 'IDLE', 'SETUP', 'DOWN', 'MAINTENANCE'] as const;
export type EquipmentState = (typeof EQUIPMENT_STATES)[number];

export interface MesParameter { name: string; value: number; unit: string; lowerLimit: number; upperLimit: number }
export interface MesSegment {
  sequence: number;
  description: string;
  equipmentId: string;
  status: SegmentStatus;
  goodQuantity: number;
  scrapQuantity: number;
  startedAt: string | null;
  finishedAt: string | null;
  parameters: MesParameter[];
}
export interface MesJobOrder {
  id: string;
  erpOrder: string;
  site: string;
  materialCode: string;
  quantity: number;
  unit: string;
  status: JobStatus;
  plannedStart: string;
  plannedEnd: string;
  segments: MesSegment[];
  /** Set on job orders created through the API: the creator's key (the hub: `<erpOrder>/<n>`). */
  externalReference?: string;
}
export interface MesEquipment {
  id: string;
  name: string;
  site: string;
  workCenter: string;
  state: EquipmentState;
  stateSince: string;
}
/** One change of an equipment's state, as the MES logs it (the history behind `stateSince`). */
export interface MesEquipmentStateChange {
  id: string;
  equipmentId: string;
  site: string;
  previousState: EquipmentState | null;
  state: EquipmentState;
  at: string;
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
  unit: string;
  lowerLimit: number;
  upperLimit: number;
  result: 'PASS' | 'FAIL';
  recordedAt: string;
}
export interface MesMappingRow { erpMaterial: string; mesCode: string; erpUnit: string; mesUnit: string; factor: number | null }

export interface MesData {
  jobOrders: MesJobOrder[];
  equipment: MesEquipment[];
  equipmentStates: MesEquipmentStateChange[];
  lots: MesLot[];
  qualityResults: MesQualityResult[];
  mapping: MesMappingRow[];
}

export type SeededFaultKind =
  | 'UNMAPPED_MATERIAL'
  | 'UNIT_MISMATCH'
  | 'QUANTITY_DRIFT'
  | 'SCRAP_DRIFT'
  | 'STATUS_DRIFT'
  | 'ORPHAN_WORK_ORDER'
  | 'DUPLICATE_CONFIRMATION';

/** Ids as the MES writes them: unpadded ERP order and material numbers. */
export interface SeededFault {
  kind: SeededFaultKind;
  erpOrder?: string;
  jobOrderId?: string;
  material?: string;
  mesCode?: string;
  detail?: string;
}
