/**
 * The MES event log: monotonic integer ids, the last 100,000 events kept in a ring buffer for replay,
 * and live fan-out to subscribers (the SSE streams).
 */
import { EventEmitter } from 'node:events';

export interface MesEvent {
  id: number;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
  /** The wire form, serialized once however many streams send it. */
  json: string;
}

export const EVENT_CAPACITY = 100_000;

/** The event as clients see it: the data fields with `id`, `type` and `occurredAt` beside them. */
export function wireEvent(e: Pick<MesEvent, 'id' | 'type' | 'occurredAt' | 'data'>): Record<string, unknown> {
  return { ...e.data, id: e.id, type: e.type, occurredAt: e.occurredAt };
}

export class EventLog {
  private readonly ring: (MesEvent | undefined)[];
  private last = 0;
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly capacity = EVENT_CAPACITY,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.ring = new Array<MesEvent | undefined>(capacity);
    // One listener per open stream; a wall of boards holds many.
    this.emitter.setMaxListeners(0);
  }

  get lastId(): number {
    return this.last;
  }

  /** The oldest id still kept. */
  get firstId(): number {
    return Math.max(1, this.last - this.capacity + 1);
  }

  append(type: string, data: Record<string, unknown>): MesEvent {
    const base = { id: this.last + 1, type, occurredAt: this.now().toISOString(), data };
    const event: MesEvent = { ...base, json: JSON.stringify(wireEvent(base)) };
    this.last = event.id;
    this.ring[(event.id - 1) % this.capacity] = event;
    this.emitter.emit('event', event);
    return event;
  }

  /** Kept events with id > `after`, oldest first, at most `limit`. */
  after(after: number, limit = Infinity): MesEvent[] {
    const out: MesEvent[] = [];
    for (let id = Math.max(after + 1, this.firstId); id <= this.last && out.length < limit; id++) {
      const e = this.ring[(id - 1) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  subscribe(listener: (e: MesEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
