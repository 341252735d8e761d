import type { LogLevel } from './config.ts';

/**
 * Structured JSON-lines logger. A disabled level costs one integer comparison: no string is built,
 * no object is serialised (logging must cost nothing on the hot path when it is off).
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Keys whose values never reach a log line, whatever a caller passes. */
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

export function createLogger(
  name: string,
  level: LogLevel = 'info',
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Logger {
  const min = RANK[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < min) return;
    const record = { time: new Date().toISOString(), level: lvl, name, msg, ...base, ...(fields && redact(fields)) };
    write(JSON.stringify(record));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(name, level, { ...base, ...redact(fields) }, write),
  };
}
