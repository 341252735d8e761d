import http from 'node:http';
import https from 'node:https';
import type { JsonClient } from '../../../lib/http-client.ts';

/**
 * The MES event feed (`GET /api/v1/events`): flat JSON events with monotonic integer ids. Read as
 * Server-Sent Events, not by polling the JSON page mode: an event reaches subscribers as soon as the
 * MES emits it, an idle plant costs no requests, and reading the stream with `for await` gives
 * backpressure for free (the socket is paused while the bridge is busy with an event).
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

/** A connection that carried nothing (not even the MES's 15 s keep-alive comment) for this long is dead. */
const IDLE_TIMEOUT_MS = 45_000;

export function createSseMesFeed(baseUrl: string, client: JsonClient): MesFeed {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : baseUrl + '/');
  return {
    async head(after) {
      const page = await client.get<{ lastId: number }>(`api/v1/events?format=json&limit=1&after=${after}`);
      return page?.lastId ?? 0;
    },
    stream: (after, signal, onOpen) => sseStream(new URL(`api/v1/events?after=${after}`, base), signal, onOpen),
  };
}

async function* sseStream(url: URL, signal: AbortSignal, onOpen?: () => void): AsyncGenerator<MesFeedEvent> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).get(url, { headers: { accept: 'text/event-stream' }, signal }, resolve);
    req.on('error', reject);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error('event feed idle')));
  });
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`event feed answered ${res.statusCode}`);
  }
  onOpen?.();
  res.setEncoding('utf8');
  let buffer = '';
  try {
    for await (const chunk of res as AsyncIterable<string>) {
      buffer += chunk;
      let end: number;
      while ((end = frameEnd(buffer)) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^(\r?\n){2}/, '');
        const event = parseFrame(frame);
        if (event) yield event;
      }
    }
  } finally {
    res.destroy();
  }
}

function frameEnd(s: string): number {
  const a = s.indexOf('\n\n');
  const b = s.indexOf('\r\n\r\n');
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

/** One SSE frame: the `data:` lines joined are the event's JSON; comments and `retry:` are skipped. */
export function parseFrame(frame: string): MesFeedEvent | undefined {
  const data: string[] = [];
  for (const line of frame.split(/\r?\n/)) {
    if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length === 0) return undefined;
  try {
    const e = JSON.parse(data.join('\n')) as MesFeedEvent;
    return typeof e.id === 'number' && typeof e.type === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}
