/**
 * `npm run bench -- http-clients`: the client CPU per call of the hub's HTTP client against the two
 * others Node offers, side by side against one upstream: undici's `request` over a keep-alive pool (the
 * gateway's subgraph client, `gateway/subgraph-fetch.ts`; the connectors' `lib/http-client.ts` is the
 * same under its breaker and retry policy), node:http over a keep-alive agent, and Node's built-in
 * `fetch`. The upstream runs in a process of its own and answers every POST with the same body of the
 * size of a 50-order page, so the CPU measured in this process is the client's alone. Rounds alternate
 * the clients; the median round is printed, and ratios to the hub's client.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { postJson } from '../gateway/subgraph-fetch.ts';

const quick = process.argv.includes('--quick');
const CALLS = quick ? 2_000 : 10_000;
const ROUNDS = quick ? 3 : 5;
const CONCURRENCY = 16;

const UPSTREAM = `
const http = require('node:http');
const order = (i) => ({ id: String(100000 + i), number: 'PO-' + i, status: 'RELEASED', plant: '1000', plannedQuantity: 120, unit: 'PC',
  plannedStart: '2026-12-01T06:00:00Z', plannedEnd: '2026-12-03T14:00:00Z', material: { id: 'FG-' + (i % 7), description: 'Gear housing ' + i } });
const body = Buffer.from(JSON.stringify({ data: { productionOrders: { nodes: Array.from({ length: 50 }, (_, i) => order(i)), pageInfo: { hasNextPage: true, endCursor: 'b2Zmc2V0OjUw' } } } }));
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body));
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + ' ' + body.length + '\\n'));
`;

const QUERY = JSON.stringify({ query: '{ productionOrders(first: 50) { nodes { id number status plant plannedQuantity unit material { id description } } } }' });

type Call = () => Promise<number>;

const agent = new http.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 30_000 });

/** node:http the way a hand-written client uses it: a keep-alive agent, the body collected as text. */
function nodeHttpPost(url: URL, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        Buffer.concat(chunks).toString('utf8');
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function run(call: Call): Promise<{ cpuUsPerCall: number; callsPerSecond: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < CALLS) if ((await call()) !== 200) throw new Error('upstream did not answer 200');
    }),
  );
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { cpuUsPerCall: (used.user + used.system) / CALLS, callsPerSecond: (CALLS / elapsed) * 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchHttpClients(): Promise<void> {
  const upstream = spawn(process.execPath, ['-e', UPSTREAM], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(upstream.stdout!, 'data')) as [Buffer];
    const [port, bytes] = line.toString().trim().split(' ');
    const url = new URL(`http://127.0.0.1:${port}/graphql`);
    const headers = { accept: 'application/json', 'content-type': 'application/json' };
    const clients: Record<string, Call> = {
      'undici request, keep-alive pool (the hub)': async () => (await postJson(url, QUERY, headers)).status,
      'node:http, keep-alive agent': () => nodeHttpPost(url, QUERY, headers),
      'fetch (undici inside)': async () => {
        const r = await fetch(url, { method: 'POST', body: QUERY, headers });
        await r.text();
        return r.status;
      },
    };
    const names = Object.keys(clients);
    for (const name of names) await run(clients[name]!); // warm up: sockets, JIT
    const results = new Map<string, { cpu: number[]; rate: number[] }>(names.map((n) => [n, { cpu: [], rate: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 ? [...names].reverse() : names) {
        const r = await run(clients[name]!);
        results.get(name)!.cpu.push(r.cpuUsPerCall);
        results.get(name)!.rate.push(r.callsPerSecond);
      }
    }
    process.stdout.write(`${CALLS} POSTs a round, ${CONCURRENCY} at once, ${bytes}-byte answers, median of ${ROUNDS} rounds\n`);
    const base = median(results.get(names[0]!)!.cpu);
    for (const name of names) {
      const { cpu, rate } = results.get(name)!;
      const c = median(cpu);
      process.stdout.write(
        `${name.padEnd(46)} ${c.toFixed(1).padStart(7)} µs client CPU/call  x${(c / base).toFixed(2)}  ${median(rate).toFixed(0).padStart(6)} calls/s\n`,
      );
    }
    agent.destroy();
  } finally {
    upstream.kill();
  }
}
