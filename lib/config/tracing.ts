import { ConfigError, number, oneOf, url, type Env } from './env.ts';

/**
 * OpenTelemetry traces, configured by the standard `OTEL_*` variables (README, "Operations"). Off unless
 * an exporter is asked for: `OTEL_TRACES_EXPORTER=otlp|console`, or an OTLP endpoint is set and
 * `OTEL_TRACES_EXPORTER` is not `none`. `OTEL_SDK_DISABLED=true` turns everything off.
 */
export interface TracingConfig {
  exporter: 'none' | 'otlp' | 'console';
  /** Full URL spans are POSTed to (OTLP/HTTP JSON): the traces endpoint, or the base endpoint + /v1/traces. */
  otlpUrl: string;
  /** `OTEL_EXPORTER_OTLP_HEADERS` / `..._TRACES_HEADERS`: `key=value,key=value` (a collector's API key). */
  otlpHeaders: Record<string, string>;
  /** `OTEL_SERVICE_NAME`; unset: each process names itself (gateway, erp-subgraph, mes-subgraph). */
  serviceName: string | undefined;
  /** Fraction of new traces kept (`OTEL_TRACES_SAMPLER_ARG`, parent-based: a caller's decision wins). */
  sampleRatio: number;
  /** `OTEL_BSP_SCHEDULE_DELAY`: how long finished spans wait to be sent in one batch. */
  batchDelayMs: number;
}

function headers(raw: string | undefined, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',').filter((p) => p.trim())) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ConfigError(`${name} must be key=value pairs separated by commas`);
    out[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return out;
}

export function loadTracingConfig(env: Env): TracingConfig {
  const tracesUrl = url(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseUrl = url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const disabled = (env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true';
  const asked = oneOf(env, 'OTEL_TRACES_EXPORTER', ['none', 'otlp', 'console'] as const, tracesUrl || baseUrl ? 'otlp' : 'none');
  return {
    exporter: disabled ? 'none' : asked,
    otlpUrl: tracesUrl ?? `${baseUrl ?? 'http://localhost:4318'}/v1/traces`,
    otlpHeaders: {
      ...headers(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...headers(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    },
    serviceName: env.OTEL_SERVICE_NAME || undefined,
    sampleRatio: number(env, 'OTEL_TRACES_SAMPLER_ARG', 1, 0, 1),
    batchDelayMs: number(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 1, 600_000),
  };
}
