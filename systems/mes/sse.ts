/** `GET /api/v1/events` as Server-Sent Events: replay from `after`, then live, with keep-alive comments. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLog, MesEvent } from './events.ts';

export const KEEP_ALIVE_MS = 15_000;

function frame(e: MesEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${e.json}\n\n`;
}

/** Open streams, so that `close()` and an injected outage can end them. */
export class StreamRegistry {
  private readonly open = new Set<ServerResponse>();

  add(res: ServerResponse): void {
    this.open.add(res);
  }

  delete(res: ServerResponse): void {
    this.open.delete(res);
  }

  get size(): number {
    return this.open.size;
  }

  endAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}

/** `after` undefined = live only (unless the client resumes with Last-Event-ID). */
export function serveEventStream(req: IncomingMessage, res: ServerResponse, log: EventLog, registry: StreamRegistry, after: number | undefined): void {
  const lastEventId = req.headers['last-event-id'];
  const resumeFrom = after ?? (typeof lastEventId === 'string' && /^\d+$/.test(lastEventId) ? Number(lastEventId) : undefined);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  if (resumeFrom !== undefined) {
    // Replayed in chunks: one string of 100,000 frames would be a needless memory spike.
    const backlog = log.after(resumeFrom);
    for (let i = 0; i < backlog.length; i += 500) res.write(backlog.slice(i, i + 500).map(frame).join(''));
  }
  // Subscribing in the same tick as the replay leaves no gap: events are appended synchronously.
  const unsubscribe = log.subscribe((e) => res.write(frame(e)));
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  registry.add(res);
  const cleanup = (): void => {
    unsubscribe();
    clearInterval(keepAlive);
    registry.delete(res);
  };
  res.on('close', cleanup);
  req.on('close', cleanup);
}
