/**
 * The MES event feed as the event bridge reads it: flat JSON events with monotonic integer ids, replayed
 * from a position and then live. Each transport is one adapter behind this interface: Server-Sent Events
 * from the MES's own API (sse-feed.ts) or an MQTT broker topic (mqtt-feed.ts).
 */
export interface MesFeedEvent {
  id: number;
  type: string;
  occurredAt: string;
  [field: string]: unknown;
}

export interface MesFeed {
  /** The MES's newest event id as seen from `after` (below `after`: the MES restarted its ids). */
  head(after: number): Promise<number>;
  /**
   * Events after `after`, replayed then live; ends when the connection ends or `signal` aborts.
   * `onOpen` is called once the MES accepted the stream (from then on no event is missed).
   */
  stream(after: number, signal: AbortSignal, onOpen?: () => void): AsyncIterable<MesFeedEvent>;
}

/** One event's JSON text as a feed event; anything else (not JSON, no numeric id or type) is undefined. */
export function parseFeedEvent(text: string): MesFeedEvent | undefined {
  try {
    const e = JSON.parse(text) as MesFeedEvent | null;
    return e !== null && typeof e === 'object' && typeof e.id === 'number' && typeof e.type === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}
