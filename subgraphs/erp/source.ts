/**
 * What the ERP subgraph needs from an ERP, in the hub's own words. The OData adapter is one
 * implementation; a plant with a SOAP or file-based ERP writes another, and nothing above this
 * interface changes. Ids here are the hub's (no leading zeros), units canonical.
 */
export type ErpOrderStatus =
  | 'CREATED'
  | 'RELEASED'
  | 'PARTIALLY_CONFIRMED'
  | 'CONFIRMED'
  | 'TECHNICALLY_COMPLETED'
  | 'CLOSED';

export interface ErpOrder {
  id: string;
  plant: string;
  materialId: string;
  plannedQuantity: number;
  unit: string;
  plannedStart: string;
  plannedEnd: string;
  status: ErpOrderStatus;
  confirmedQuantity: number;
  confirmedScrapQuantity: number;
  plannedCost: number;
  actualCost: number;
  currency: string;
}

export type ErpMaterialType = 'FINISHED' | 'SEMI_FINISHED' | 'RAW';

export interface ErpMaterial {
  id: string;
  description: string;
  baseUnit: string;
  type: ErpMaterialType;
  materialGroup: string | null;
  standardCost: number;
  currency: string;
}

export interface ErpStock {
  materialId: string;
  plant: string;
  storageLocation: string;
  quantity: number;
  unit: string;
}

export interface ErpBomItem {
  materialId: string;
  plant: string;
  item: string;
  componentId: string;
  quantity: number;
  unit: string;
}

export interface ErpRoutingOperation {
  orderId: string;
  sequence: number;
  description: string;
  workCenter: string;
  confirmedQuantity: number;
  confirmedScrapQuantity: number;
}

export interface ErpConfirmationRecord {
  id: string;
  orderId: string;
  operationSequence: number;
  quantity: number;
  scrapQuantity: number;
  unit: string;
  externalReference: string | null;
  postedAt: string;
}

export interface ErpPlant {
  id: string;
  name: string;
  currency: string;
}

export interface OrderQuery {
  plant?: string | undefined;
  status?: readonly ErpOrderStatus[] | undefined;
  /** The hub's material id (no leading zeros). */
  material?: string | undefined;
  /** Planned end in [from, to): ISO instants. */
  plannedEnd?: { from?: string; to?: string } | undefined;
  orderBy: 'ID_ASC' | 'ID_DESC' | 'PLANNED_START_ASC' | 'PLANNED_START_DESC' | 'PLANNED_END_ASC' | 'PLANNED_END_DESC';
  offset: number;
  limit: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface ErpSource {
  /** Orders by id, in one upstream round trip per chunk; unknown ids are simply absent. */
  ordersByIds(ids: readonly string[]): Promise<ErpOrder[]>;
  orders(query: OrderQuery): Promise<Page<ErpOrder>>;
  materialsByIds(ids: readonly string[]): Promise<ErpMaterial[]>;
  materials(query: { type?: ErpMaterialType | undefined; offset: number; limit: number }): Promise<Page<ErpMaterial>>;
  /** Stock rows of these materials, every plant and storage location. */
  stockByMaterials(materialIds: readonly string[]): Promise<ErpStock[]>;
  bomByMaterials(materialIds: readonly string[]): Promise<ErpBomItem[]>;
  routingByOrders(orderIds: readonly string[]): Promise<ErpRoutingOperation[]>;
  confirmationsByOrders(orderIds: readonly string[]): Promise<ErpConfirmationRecord[]>;
  plants(): Promise<ErpPlant[]>;
}
