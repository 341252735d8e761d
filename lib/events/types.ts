/**
 * Hub events: what the MES reported, in the hub's words (ERP order ids without leading zeros, plants,
 * quantities in ERP units where the master-data mapping allows). The bridge in the MES subgraph makes
 * them from the MES feed; the gateway's subscriptions read them from the bus.
 */

export type HubEventType = 'ProductionProgress' | 'WorkOrderStatusChanged' | 'EquipmentStateChanged' | 'QualityResultRecorded';

interface EventBase {
  /** When the MES says it happened (ISO 8601). */
  occurredAt: string;
  /** The plant (MES site); a site the ERP does not know still appears here as the MES names it. */
  plant: string;
  /** The MES feed's own id of the event this one was made from. */
  mesEventId: number;
  /** W3C trace context of the publish, when tracing is on (the gateway continues that trace). */
  traceparent?: string;
}

export interface ProductionProgressData extends EventBase {
  type: 'ProductionProgress';
  /** operation.started | operation.progress | operation.completed */
  phase: 'started' | 'progress' | 'completed';
  productionOrderId: string;
  workOrderId: string;
  operationSequence: number;
  equipmentId: string | null;
  operationStatus: string;
  /** The ERP material of the work order, when the mapping knows its MES code. */
  erpMaterial: string | null;
  /** Quantities in `unit`: the ERP base unit when `unitConverted`, else the MES unit as reported. */
  unit: string;
  unitConverted: boolean;
  goodQuantity: number;
  scrapQuantity: number;
  deltaGood: number;
  deltaScrap: number;
}

export interface WorkOrderStatusData extends EventBase {
  type: 'WorkOrderStatusChanged';
  productionOrderId: string;
  workOrderId: string;
  previousStatus: string;
  status: string;
}

export interface EquipmentStateData extends EventBase {
  type: 'EquipmentStateChanged';
  equipmentId: string;
  previousState: string;
  state: string;
}

export interface QualityResultData extends EventBase {
  type: 'QualityResultRecorded';
  productionOrderId: string;
  workOrderId: string;
  resultId: string;
  characteristic: string;
  result: string;
}

/** An event before it is published (it has no hub id yet). */
export type HubEventInput = ProductionProgressData | WorkOrderStatusData | EquipmentStateData | QualityResultData;

/** A published event: `id` is its position in the stream (a Redis stream id, `<ms>-<seq>`). */
export type HubEvent = HubEventInput & { id: string };

/** Where a feed consumer has got to: the feed's name and the id of the last event it handled. */
export interface FeedPosition {
  feed: string;
  position: number;
}
