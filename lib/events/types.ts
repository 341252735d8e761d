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

/** `publishMany` as one `publish` after the other, for buses whose publish has no batch form. */
export async function publishEach(
  publish: EventBus['publish'],
  items: readonly { event: HubEventInput | null; at: FeedPosition }[],
): Promise<(HubEvent | null)[]> {
  const out: (HubEvent | null)[] = [];
  for (const { event, at } of items) out.push(await publish(event, at));
  return out;
}

/** Where a feed consumer has got to: the feed's name and the id of the last event it handled. */
export interface FeedPosition {
  feed: string;
  position: number;
}

/**
 * The hub's event bus: one interface, two implementations. With `REDIS_URL` it is a Redis Stream
 * (`<CACHE_PREFIX>:events`), shared by every process; without, an in-memory log shared by the servers of
 * one process (`npm start`). The MES subgraph's bridge publishes; the gateway replays and listens.
 */
export interface EventBus {
  readonly kind: 'redis' | 'memory';
  /**
   * Appends `event` and moves the feed position to `at.position`, atomically, unless the stored position
   * is already there or past it (compare-and-append: a retried publish, or a second bridge reading the
   * same feed, never appends an MES event twice). `event` null only moves the position (an MES event the
   * hub does not publish). Answers the appended event (with its stream id), or null.
   */
  publish(event: HubEventInput | null, at: FeedPosition): Promise<HubEvent | null>;
  /**
   * `publish` for several events of one feed, in order, as one atomic step: each is appended unless the
   * position is already at or past its own (so a retried batch appends only what is missing).
   */
  publishMany(items: readonly { event: HubEventInput | null; at: FeedPosition }[]): Promise<(HubEvent | null)[]>;
  /** The stored position of a feed; undefined when it has none yet. */
  position(feed: string): Promise<number | undefined>;
  /** Sets a feed's position unconditionally (the feed restarted its ids, or a first start at its head). */
  resetPosition(at: FeedPosition): Promise<void>;
  /** Kept events with an id after `after`, oldest first, at most `limit`. */
  replay(after: string, limit: number): Promise<HubEvent[]>;
  /** The id of the newest kept event, or undefined when the stream is empty. */
  lastId(): Promise<string | undefined>;
  /** True when events after `after` were trimmed away (retention): a resume from there would miss some. */
  lost(after: string): Promise<boolean>;
  /**
   * Live events from now on, in stream order. One reader per process (an `XREAD BLOCK` loop for Redis)
   * fans out in memory, however many listeners. Only on a bus made with `listen: true`.
   */
  subscribe(listener: (e: HubEvent) => void): () => void;
  close(): Promise<void>;
}
