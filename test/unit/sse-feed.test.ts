import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createJsonClient } from '../../lib/http-client.ts';
import type { MesFeedEvent } from '../../subgraphs/mes/events/feed.ts';
import { createSseMesFeed } from '../../subgraphs/mes/events/sse-feed.ts';

/** A server that writes the given chunks as one event stream, then ends it. */
async function streamServer(chunks: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const srv = http.createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const c of chunks) {
      res.write(c);
      await new Promise((r) => setTimeout(r, 5));
    }
    res.end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise((r) => srv.close(() => r())) };
}

let server: { close(): Promise<void> } | undefined;
afterEach(async () => server?.close());

async function read(chunks: string[]): Promise<MesFeedEvent[]> {
  const s = await streamServer(chunks);
  server = s;
  const client = createJsonClient({ system: 'mes', baseUrl: s.url, timeoutMs: 2000 });
  const out: MesFeedEvent[] = [];
  for await (const e of createSseMesFeed(s.url, client).stream(0, new AbortController().signal)) out.push(e);
  client.close();
  return out;
}

const ev = (id: number) => JSON.stringify({ id, type: 'operation.progress', occurredAt: '2026-01-01T00:00:00Z', jobOrderId: `JO-${id}` });

describe('SSE event feed reading', () => {
  it('reads events split across chunks at any byte, with LF, CRLF and CR line ends', async () => {
    const text = `retry: 2000\n\nid: 1\ndata: ${ev(1)}\n\n: keep-alive\r\n\r\nid: 2\r\ndata: ${ev(2)}\r\n\r\nid: 3\rdata: ${ev(3)}\r\rid: 4\ndata: ${ev(4)}\n\n`;
    const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
    expect((await read(chunks)).map((e) => e.id)).toEqual([1, 2, 3, 4]);
  });

  it('joins multi-line data and skips frames that are no feed event', async () => {
    const cut = ev(5).indexOf('"type"');
    const [head, tail] = [ev(5).slice(0, cut), ev(5).slice(cut)];
    const text = `data: not json\n\ndata: {"id":"6","type":"x"}\n\ndata: ${head}\ndata: ${tail}\n\nevent: ping\n\n`;
    const events = await read([text]);
    // Multi-line data is joined with a newline, which JSON accepts between tokens.
    expect(events.map((e) => e.id)).toEqual([5]);
    expect(events[0]?.jobOrderId).toBe('JO-5');
  });
});
