import type { Logger } from '../log.ts';
import type { HubEvent } from './types.ts';

/** Calls every listener; one that throws is logged and does not stop the others. */
export class Fanout {
  private readonly listeners = new Set<(e: HubEvent) => void>();

  constructor(private readonly log?: Logger) {}

  add(listener: (e: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: HubEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log?.error('event listener failed', { err: (err as Error).message, eventId: e.id });
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
