import http from 'node:http';
import https from 'node:https';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { JsonClient } from '../../../lib/http-client.ts';
import { parseFeedEvent, type MesFeed, type MesFeedEvent } from './feed.ts';

/**
 * The MES event feed over its own API (`GET /api/v1/events`), read as Server-Sent Events, not by polling
 * the JSON page mode: an event reaches subscribers as soon as the MES emits it, an idle plant costs no
 * requests, and reading the stream with `for await` gives backpressure for free (the socket is paused
 * while the bridge is busy with an event).
 */

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
  // The maintained parser handles what a hand-written one gets wrong: CR/LF/CRLF line ends, frames and
  // lines split across chunks, multi-line data, comments and `retry:`.
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => messages.push(m) });
  try {
    for await (const chunk of res as AsyncIterable<string>) {
      parser.feed(chunk);
      for (const m of messages.splice(0)) {
        const event = parseFeedEvent(m.data);
        if (event) yield event;
      }
    }
  } finally {
    res.destroy();
  }
}
