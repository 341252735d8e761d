/** One factory for the demo systems under test, plus small HTTP and SSE client helpers. */
import { startErpSystem } from '../../systems/erp/server.ts';
import { startMesSystem } from '../../systems/mes/server.ts';

export interface Running {
  url: string;
  close(): Promise<void>;
}

export function startErp(seed = 42, scale = 1): Promise<Running> {
  return startErpSystem({ port: 0, seed, scale });
}

export function startMes(seed = 42, scale = 1): Promise<Running> {
  return startMesSystem({ port: 0, seed, scale, simulate: false });
}

// Tests read into arbitrary JSON answers; typing each one would add nothing.
export type Json = any;

export async function get(url: string): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : undefined, headers: res.headers };
}

export async function send(method: string, url: string, body?: unknown, raw?: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : undefined };
}

export interface SseEvent {
  id: number;
  event: string;
  data: Json;
}

/**
 * Opens an SSE stream, calls `onOpen` once the headers are in, and collects events until `done` says
 * so or the server ends the stream; then disconnects. Reaching the timeout first is a failure: a test
 * waiting for an event or for the stream to end must not pass because nothing happened.
 */
export async function collectSse(
  url: string,
  done: (events: SseEvent[]) => boolean,
  onOpen: () => Promise<void> = async () => undefined,
  timeoutMs = 5_000,
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
    if (!res.body) throw new Error('no body');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    await onOpen();
    while (!done(events)) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const i = line.indexOf(':');
          if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1).trimStart());
        }
        if (fields.has('data')) events.push({ id: Number(fields.get('id')), event: fields.get('event') ?? 'message', data: JSON.parse(fields.get('data') ?? 'null') as Json });
      }
    }
  } catch (e) {
    if (controller.signal.aborted) throw new Error(`SSE ${url}: neither done nor ended within ${timeoutMs} ms (${events.length} events)`);
    throw e;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}
