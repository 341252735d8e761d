import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config.ts';

/**
 * Structured JSON-lines logs through pino (`{"level":"info","time":"<ISO>","name":...,"msg":...}` plus
 * the fields). The hub's call shape is `log.info(msg, fields)`; a level that is off is a no-op function,
 * so a disabled line builds no string and serialises no object.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * Keys whose values never reach a log line, whatever a caller passes. A pattern over key names rather
 * than pino's `redact` paths: pino needs every path spelled out, and a caller's new `apiToken` field
 * must be covered without anyone remembering to list it.
 */
const SECRET_KEYS = /authorization|token|secret|password|apikey|api_key|cookie/i;

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(fields)) {
    if (SECRET_KEYS.test(k)) {
      out ??= { ...fields };
      out[k] = '[redacted]';
    }
  }
  return out ?? fields;
}

const NOOP = (): void => undefined;

function wrap(p: PinoLogger, min: number): Logger {
  const at = (lvl: Exclude<LogLevel, 'silent'>) =>
    RANK[lvl] < min ? NOOP : (msg: string, fields?: Record<string, unknown>) => p[lvl](fields ? redact(fields) : {}, msg);
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(redact(fields)), min),
  };
}

/** A logger named after its process (`gateway`, `erp-subgraph`, ...), writing to stdout unless told otherwise. */
export function createLogger(name: string, level: LogLevel = 'info', destination: DestinationStream = process.stdout): Logger {
  const p = pino(
    {
      name,
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(p, RANK[level]);
}
