/**
 * `npm run bench -- reports-export`: memory of a flat export at 10^4 and 10^5 rows, streamed in pages
 * (the gateway's exporter: gateway/reports/export.ts) against the same rows built in one piece (what
 * an export without paging and streaming would hold), side by side in one run; then a real export of
 * the demo order book through the whole hub. The synthetic rows come from a graphql-js schema with a
 * paged connection, so paging, flattening and csv-stringify run exactly as in the gateway.
 */
import { createServer, type Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AddressInfo } from 'node:net';
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import { stringify } from 'csv-stringify/sync';
import { analyse } from '../gateway/reports/catalog.ts';
import { flatten, reportPages, streamReport, type Execute } from '../gateway/reports/export.ts';
import { startHub } from '../test/support/hub.ts';

const SDL = `
type Query { items(first: Int!, after: String): ItemConnection! }
type ItemConnection { pageInfo: PageInfo! edges: [ItemEdge!]! }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type ItemEdge { node: Item! }
type Item { id: ID! plant: String! quantity: Float! done: Boolean! material: Material! tags: [String!]! }
type Material { id: ID! description: String! }`;

const REPORT = `# rows: items.edges.node
query Items($first: Int = 500, $after: String) {
  items(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id plant quantity done material { id description } tags } } }
}`;

function syntheticSchema(total: number): GraphQLSchema {
  const schema = buildSchema(SDL);
  const item = (i: number) => ({ id: `ITEM-${i}`, plant: i % 2 ? '1000' : '2000', quantity: i * 1.5, done: i % 3 === 0, material: { id: String(400000 + (i % 300)), description: `Gear pump, "type" ${i % 300}` }, tags: ['a', `b${i % 7}`] });
  const field = schema.getQueryType()!.getFields().items!;
  field.resolve = (_r, args: { first: number; after?: string | null }) => {
    const start = args.after ? Number(args.after) : 0;
    const end = Math.min(total, start + args.first);
    return { pageInfo: { hasNextPage: end < total, endCursor: String(end) }, edges: Array.from({ length: end - start }, (_, k) => ({ node: item(start + k) })) };
  };
  return schema;
}

interface Run { rows: number; bytes: number; ms: number; peakHeapMb: number; retainedMb: number }

// A full collection on demand, so that "retained" counts live objects, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Runs `work`, sampling the heap every 5 ms (peak: live objects plus garbage not yet collected) and
 * taking the live heap after a full collection whenever `work` calls `checkpoint` (retained).
 */
async function measure(work: (checkpoint: () => void) => Promise<{ rows: number; bytes: number }>): Promise<Run> {
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  let retained = before;
  const checkpoint = () => {
    gc();
    retained = Math.max(retained, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const t0 = performance.now();
  const { rows, bytes } = await work(checkpoint);
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return { rows, bytes, ms, peakHeapMb: (peak - before) / 2 ** 20, retainedMb: (retained - before) / 2 ** 20 };
}

async function streamed(total: number): Promise<Run> {
  const schema = syntheticSchema(total);
  const report = analyse('items', REPORT, schema);
  const execute: Execute = async (variables) => (await graphql({ schema, source: REPORT, variableValues: variables })) as never;
  const server: Server = createServer((_req, res) => {
    streamReport(res, report, 'csv', reportPages(report, { first: 500 }, execute, 10_000_000), false).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await measure(async (checkpoint) => {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      let bytes = 0;
      let lines = 0;
      let next = 5000;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        for (const b of chunk) if (b === 10) lines++;
        // Mid-stream, every ~5,000 rows: what the export holds while it runs.
        if (lines >= next) {
          checkpoint();
          next += 5000;
        }
      }
      return { rows: lines - 1, bytes };
    });
  } finally {
    server.close();
  }
}

/** The same rows as one result and one CSV string: what a non-paged, non-streamed export holds. */
async function buffered(total: number): Promise<Run> {
  const schema = syntheticSchema(total);
  const report = analyse('items', REPORT, schema);
  return measure(async (checkpoint) => {
    const result = await graphql({ schema, source: REPORT, variableValues: { first: total } });
    const edges = (result.data as { items: { edges: { node: unknown }[] } }).items.edges;
    const text = stringify(edges.map((e) => flatten(e.node, report)), { header: true, columns: report.columns, cast: { boolean: (b) => (b ? 'true' : 'false') } });
    checkpoint(); // the result and the text are both alive here, as they would be before sending
    return { rows: edges.length, bytes: Buffer.byteLength(text) };
  });
}

const line = (label: string, r: Run) =>
  `${label.padEnd(34)} ${String(r.rows).padStart(7)} rows ${(r.bytes / 2 ** 20).toFixed(1).padStart(6)} MB CSV ${r.ms.toFixed(0).padStart(6)} ms  retained heap +${r.retainedMb.toFixed(1)} MB  peak heap +${r.peakHeapMb.toFixed(1)} MB (with garbage)`;

export async function benchReportsExport(): Promise<void> {
  const big = Number(process.env.BENCH_EXPORT_ROWS ?? 100_000);
  const small = big / 10;
  await streamed(small); // warm-up (JIT)
  const s1 = await streamed(small);
  const s2 = await streamed(big);
  const b1 = await buffered(small);
  const b2 = await buffered(big);
  process.stdout.write(`${line('streamed in pages of 500', s1)}\n${line('streamed in pages of 500', s2)}\n`);
  process.stdout.write(`${line('built in one piece (no paging)', b1)}\n${line('built in one piece (no paging)', b2)}\n`);
  process.stdout.write(`retained heap, ${big} vs ${small} rows: streamed x${(s2.retainedMb / s1.retainedMb).toFixed(2)}, in one piece x${(b2.retainedMb / b1.retainedMb).toFixed(2)}; at ${big} rows streamed holds ${((s2.retainedMb / b2.retainedMb) * 100).toFixed(1)} % of the one-piece heap\n`);

  // The real path: gateway, both subgraphs and both demo systems (the order book has ~1,300 orders).
  const hub = await startHub();
  try {
    const url = `${hub.gateway.replace(/\/graphql$/, '')}/reports/production-orders.csv?first=500`;
    await (await fetch(url)).arrayBuffer();
    const t0 = performance.now();
    const text = await (await fetch(url)).text();
    const ms = performance.now() - t0;
    const rows = text.split('\n').length - 2;
    process.stdout.write(`hub: /reports/production-orders.csv ${rows} rows in ${ms.toFixed(0)} ms (${(rows / (ms / 1000)).toFixed(0)} rows/s, ${Math.ceil(rows / 500)} pages)\n`);
  } finally {
    await hub.close();
  }
}
