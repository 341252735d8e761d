import type { IncomingMessage } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { TracingConfig } from './config/tracing.ts';
import type { Logger } from './log.ts';

/**
 * OpenTelemetry traces across the hub: a server span per GraphQL request (gateway and subgraphs, the
 * caller's W3C `traceparent` continued), @apollo/gateway's own plan and fetch spans, a client span per
 * call to the ERP or MES, and the event path (publish -> stream -> gateway -> each subscription's
 * federated read) joined by the `traceparent` a hub event carries.
 *
 * Off by default and then free: the SDK is not even loaded, and every helper here returns after one
 * boolean test (no span objects, no header copies, no context switches on the hot path).
 */
let on = false;
let flush: () => Promise<void> = async () => undefined;
const tracer = () => trace.getTracer('erp-mes-hub');

/** Starts the SDK once per process (`npm start` runs several servers in one; the first names it). */
export async function startTracing(config: TracingConfig, service: string, log?: Logger): Promise<void> {
  if (on || config.exporter === 'none') return;
  on = true;
  const [{ NodeTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, ParentBasedSampler, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const exporter = config.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter({ url: config.otlpUrl, headers: config.otlpHeaders });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName ?? service }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    // Batched: a request never waits for the collector, and a collector that is down costs a bounded queue.
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.batchDelayMs, maxQueueSize: 2048 })],
  });
  // Registers the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  flush = () => provider.forceFlush();
  log?.info('tracing on', { exporter: config.exporter, url: config.exporter === 'otlp' ? config.otlpUrl : undefined });
}

/** True once `startTracing` turned tracing on in this process. */
export const tracingOn = (): boolean => on;

/** Sends what is buffered (on close: spans of the last requests are not lost). */
export const flushTracing = (): Promise<void> => (on ? flush().catch(() => undefined) : Promise.resolve());

type Headers = Record<string, string>;

/** The current trace context as W3C headers added to `headers` (the same object when tracing is off). */
export function withTraceHeaders(headers: Headers, ctx: Context = context.active()): Headers {
  if (!on) return headers;
  const out = { ...headers };
  propagation.inject(ctx, out);
  return out;
}

/** Sets the current trace context's headers through `set` (e.g. on a fetch `Headers` object). */
export function injectTraceHeaders(set: (name: string, value: string) => void): void {
  if (!on) return;
  const carrier: Headers = {};
  propagation.inject(context.active(), carrier);
  for (const [k, v] of Object.entries(carrier)) set(k, v);
}

/**
 * Runs an HTTP request's handling inside a server span that continues the caller's `traceparent`.
 * The span ends when `handle` settles (the handlers here resolve once the answer is written).
 */
export function traceRequest<T>(req: IncomingMessage, service: string, handle: () => Promise<T>): Promise<T> {
  if (!on) return handle();
  const parent = propagation.extract(context.active(), req.headers);
  const path = (req.url ?? '/').split('?')[0];
  return tracer().startActiveSpan(
    `${req.method ?? 'GET'} ${path}`,
    { kind: SpanKind.SERVER, attributes: { 'hub.service': service, 'http.request.method': req.method ?? 'GET', 'url.path': path } },
    parent,
    (span) => settle(span, handle),
  );
}

async function settle<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    fail(span, e);
    throw e;
  } finally {
    span.end();
  }
}

function fail(span: Span, e: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
}

/** A call to a system of record, as the connectors' HTTP client reports it. */
export interface UpstreamSpan {
  /** The request headers with this span's `traceparent` (the system may continue the trace). */
  headers(base: Headers): Headers;
  status(code: number): void;
  fail(e: unknown): void;
  end(): void;
}

const NO_SPAN: UpstreamSpan = { headers: (h) => h, status: () => undefined, fail: () => undefined, end: () => undefined };

export function upstreamSpan(system: string, method: string, target: URL): UpstreamSpan {
  if (!on) return NO_SPAN;
  const span = tracer().startSpan(`${system} ${method} ${target.pathname}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'hub.system': system, 'http.request.method': method, 'server.address': target.host, 'url.path': target.pathname },
  });
  return {
    headers: (h) => withTraceHeaders(h, trace.setSpan(context.active(), span)),
    status: (code) => {
      span.setAttribute('http.response.status_code', code);
      if (code >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    },
    fail: (e) => fail(span, e),
    end: () => span.end(),
  };
}

/**
 * The event path. `publishSpan` wraps a hub event's append to the stream (PRODUCER) and hands the
 * `traceparent` to store in the event; `eventSpan` continues it where the event is used (CONSUMER).
 */
export async function publishSpan<T>(type: string, append: (traceparent: string | undefined) => Promise<T>): Promise<T> {
  if (!on) return append(undefined);
  return tracer().startActiveSpan(`hub.event publish ${type}`, { kind: SpanKind.PRODUCER, attributes: { 'hub.event.type': type } }, (span) =>
    settle(span, () => append(withTraceHeaders({}).traceparent)),
  );
}

export function eventSpan<T>(name: string, traceparent: string | undefined, attributes: Record<string, string>, run: () => Promise<T>): Promise<T> {
  if (!on) return run();
  const parent = traceparent ? propagation.extract(context.active(), { traceparent }) : context.active();
  return tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, (span) => settle(span, run));
}
