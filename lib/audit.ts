import { createWriteStream, renameSync, statSync, type WriteStream } from 'node:fs';
import { createRedisConnection } from './redis.ts';
import type { CallerEnvelope } from './auth/caller.ts';
import type { SecurityConfig } from './config.ts';
import type { Logger } from './log.ts';

/**
 * The audit log: one JSON line per request that ran a mutation or touched a restricted field (read or
 * refused). It names who, roles, the operation and its hash, the fields, the ids and the outcome; it
 * never holds tokens, secrets or the values read.
 */
export type FieldOutcome = 'ok' | 'denied' | 'error';

export interface AuditRecord {
  time: string;
  type: 'audit';
  service: string;
  requestId: string | null;
  /** The client's own `x-request-id`, when it sent one (never used as `requestId`). */
  clientRequestId: string | null;
  who: string | null;
  roles: readonly string[];
  operation: string | null;
  queryHash: string | null;
  mutation: boolean;
  fields: string[];
  denied: string[];
  ids: string[];
  outcome: 'ok' | 'denied' | 'partial' | 'error';
}

/** Ids per record are capped: a 500-row cost report names its first ids, not a megabyte of them. */
const MAX_IDS = 200;

/** Per-request accumulator filled by the field guard (lib/auth/directives.ts), written once at the end. */
export class AuditTrail {
  private readonly fields = new Map<string, Set<FieldOutcome>>();
  private readonly ids = new Set<string>();
  private mutation = false;

  get size(): number {
    return this.fields.size;
  }

  record(coordinate: string, ids: readonly string[], outcome: FieldOutcome, mutation: boolean): void {
    let set = this.fields.get(coordinate);
    if (!set) this.fields.set(coordinate, (set = new Set()));
    set.add(outcome);
    for (const id of ids) if (this.ids.size < MAX_IDS) this.ids.add(id);
    if (mutation) this.mutation = true;
  }

  toRecord(service: string, env: CallerEnvelope): AuditRecord {
    const all = [...this.fields.values()].flatMap((s) => [...s]);
    const denied = [...this.fields].filter(([, s]) => s.has('denied')).map(([f]) => f);
    const outcome = all.includes('error')
      ? 'error'
      : denied.length === 0
        ? 'ok'
        : all.every((o) => o === 'denied')
          ? 'denied'
          : 'partial';
    return {
      time: new Date().toISOString(),
      type: 'audit',
      service,
      requestId: env.requestId ?? null,
      clientRequestId: env.clientRequestId ?? null,
      who: env.caller.sub,
      roles: env.caller.roles,
      operation: env.operationName ?? null,
      queryHash: env.queryHash ?? null,
      mutation: this.mutation,
      fields: [...this.fields.keys()],
      denied,
      ids: [...this.ids],
      outcome,
    };
  }
}

export interface AuditSink {
  write(record: AuditRecord): void;
  close(): Promise<void>;
}

/** A size-rotated file: `<path>` is current, `<path>.1` the previous, and so on up to `<path>.<files>`. */
function rotatingFile(path: string, maxBytes: number, files: number): { write(line: string): void; close(): Promise<void> } {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    /* a new file */
  }
  let stream: WriteStream = createWriteStream(path, { flags: 'a' });
  const rotate = () => {
    stream.end();
    for (let i = files; i >= 1; i--) {
      try {
        renameSync(i === 1 ? path : `${path}.${i - 1}`, `${path}.${i}`);
      } catch {
        /* that generation does not exist yet */
      }
    }
    stream = createWriteStream(path, { flags: 'a' });
    size = 0;
  };
  return {
    write(line) {
      if (size > 0 && size + line.length > maxBytes) rotate();
      stream.write(line);
      size += Buffer.byteLength(line);
    },
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}

/**
 * Where audit records go: `AUDIT_LOG` (stdout, a file path, or off) and, with `REDIS_URL`, the capped
 * stream `<CACHE_PREFIX>:audit` (so records from every instance meet in one place).
 */
export function createAuditSink(
  s: SecurityConfig,
  redis: { url: string | undefined; prefix: string },
  log: Logger,
  stdout: (line: string) => void = (line) => process.stdout.write(line),
): AuditSink {
  const file = s.auditLog !== 'stdout' && s.auditLog !== 'off' ? rotatingFile(s.auditLog, s.auditMaxBytes, s.auditFiles) : undefined;
  const client = redis.url ? createRedisConnection(redis.url, 'audit') : undefined;
  client?.on('error', () => undefined); // reported per failed write below, not per reconnect attempt
  const key = `${redis.prefix}:audit`;
  let lastRedisWarning = 0;
  return {
    write(record) {
      const line = JSON.stringify(record) + '\n';
      if (s.auditLog === 'stdout') stdout(line);
      else file?.write(line);
      client?.xadd(key, 'MAXLEN', '~', s.auditStreamMaxLen, '*', 'record', line.trimEnd()).catch((e: unknown) => {
        if (Date.now() - lastRedisWarning < 10_000) return;
        lastRedisWarning = Date.now();
        log.warn('audit stream write failed', { err: e instanceof Error ? e.message : String(e) });
      });
    },
    async close() {
      await file?.close();
      if (client) await client.quit().catch(() => client.disconnect());
    },
  };
}
