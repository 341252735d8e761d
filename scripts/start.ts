/**
 * `npm start`: the whole demo plant, each piece in a process of its own so that it uses every core, as
 * a deployment does: the demo ERP and MES (unless ERP_API_URL / MES_API_URL point at real systems), both
 * subgraphs and the gateway. Then the URLs and a first query to paste. One Ctrl-C stops them all; if
 * one piece dies, the others are stopped too and `npm start` exits non-zero.
 *
 * Without REDIS_URL the MES subgraph and the gateway share one process: the in-memory event bus only
 * connects servers of one process (with Redis, events cross processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { demoTokens } from '../lib/auth/demo-tokens.ts';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { FIRST_QUERY } from '../gateway/examples.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** A free port, for pieces configured with port 0 (their neighbours must know the port up front). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Until `url` answers 200 (`listening`: any HTTP answer, e.g. a demo system's admin route refusing without ADMIN_TOKEN). */
async function waitFor(url: string, child: ChildProcess, listening = false, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode}) before answering`);
    try {
      const res = await fetch(url);
      if (res.ok || listening) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in ${timeoutMs / 1000} s`);
}

const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

function stopAll(signal: NodeJS.Signals): void {
  stopping = true;
  for (const { child } of children) if (child.exitCode === null) child.kill(signal);
  setTimeout(() => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    process.exit(process.exitCode ?? 0);
  }, 8000).unref();
}

async function main(): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env };
  const generated = !env.JWT_SECRET && !env.JWT_JWKS && env.NODE_ENV !== 'production';
  // Secrets every piece must share: made once here (demo mode), never per process.
  if (generated) env.JWT_SECRET = randomBytes(32).toString('base64url');
  if (!env.SUBGRAPH_SIGNING_SECRET && env.NODE_ENV !== 'production') env.SUBGRAPH_SIGNING_SECRET = randomBytes(32).toString('base64url');
  // One anchor for both demo systems, so that their halves of the plant share one timeline.
  env.DEMO_EPOCH ??= String(Math.floor(Date.now() / 60_000) * 60_000);
  let config = loadConfig(env);
  for (const [name, value] of Object.entries({
    GATEWAY_PORT: config.ports.gateway,
    ERP_SUBGRAPH_PORT: config.ports.erpSubgraph,
    MES_SUBGRAPH_PORT: config.ports.mesSubgraph,
    ERP_API_PORT: config.ports.erpApi,
    MES_API_PORT: config.ports.mesApi,
  })) {
    env[name] = String(value === 0 ? await freePort() : value);
  }
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  // The demo systems run only where the operator named no ERP / MES of their own.
  const demoErp = !config.erpApiUrl;
  const demoMes = !config.mesApiUrl;
  if (demoErp) env.ERP_API_URL = `http://${host}:${env.ERP_API_PORT}`;
  if (demoMes) env.MES_API_URL = `http://${host}:${env.MES_API_PORT}`;
  config = loadConfig(env);

  const start = (name: string, args: string[]) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env, stdio: 'inherit' });
    children.push({ name, child });
    child.once('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(`npm start: ${name} exited (${signal ?? code}); stopping the others\n`);
        process.exitCode = 1;
        stopAll('SIGTERM');
      }
      if (children.every((c) => c.child.exitCode !== null || c.child.signalCode !== null)) process.exit(process.exitCode ?? 0);
    });
    return child;
  };
  // Ctrl-C reaches every piece from the terminal; forwarding it covers a signal sent to this process only.
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));

  const lines: string[] = [];
  const waits: Promise<void>[] = [];
  if (demoErp) {
    waits.push(waitFor(`${env.ERP_API_URL}/admin/stats`, start('demo ERP', [here('../systems/erp/server.ts')]), true));
    lines.push(`demo ERP (OData)      ${env.ERP_API_URL}/odata/ProductionOrders?$top=5`);
  }
  if (demoMes) {
    waits.push(waitFor(`${env.MES_API_URL}/admin/stats`, start('demo MES', [here('../systems/mes/server.ts')]), true));
    lines.push(`demo MES (REST)       ${env.MES_API_URL}/api/v1/job-orders?limit=5`);
  }
  await Promise.all(waits);
  start('ERP subgraph', [here('../subgraphs/erp/server.ts')]);
  let gateway: ChildProcess;
  if (config.redisUrl) {
    start('MES subgraph', [here('../subgraphs/mes/server.ts')]);
    gateway = start('gateway', [here('../gateway/server.ts')]);
  } else {
    gateway = start('MES subgraph + gateway', [here('./pieces.ts'), 'mes', 'gateway']);
  }
  const gatewayUrl = `http://${host}:${env.GATEWAY_PORT}/graphql`;
  await waitFor(gatewayUrl.replace(/\/graphql$/, '/ready'), gateway);

  if (!config.redisUrl) {
    process.stdout.write('note: REDIS_URL is not set; cache and event bus are in memory (the MES subgraph and the gateway share a process)\n');
  }
  // Demo mode only: ready-made tokens, one per role, so restricted fields can be tried at once.
  const tokens = config.production ? {} : await demoTokens(config.security);
  const tokenLines = Object.keys(tokens).length
    ? [
        `Demo tokens (HS256, audience ${config.security.jwtAudience}, valid 8 h${generated ? ', key generated for this start' : ''});`,
        'send one as  Authorization: Bearer <token>  (GraphiQL: the Headers tab). Without a token you are anonymous.',
        ...Object.entries(tokens).map(([role, t]) => `  ${role.padEnd(11)} ${t}`),
        '',
      ]
    : [];
  process.stdout.write(
    [
      '',
      `ERP-MES hub is up (${children.length} processes).`,
      `  GraphQL + explorer    ${gatewayUrl}   (open it in a browser)`,
      `  Live board            ${gatewayUrl.replace(/\/graphql$/, '/board')}?plant=1000`,
      `  ERP subgraph          http://${host}:${env.ERP_SUBGRAPH_PORT}/graphql`,
      `  MES subgraph          http://${host}:${env.MES_SUBGRAPH_PORT}/graphql`,
      ...lines.map((l) => `  ${l}`),
      '',
      'A first query to paste into the explorer:',
      '',
      FIRST_QUERY,
      '',
      `or from a shell:  curl -s ${gatewayUrl} -H 'content-type: application/json' \\`,
      `  -d '{"query":"{ productionOrders(first: 3) { edges { node { id status progress material { description } } } } }"}'`,
      '',
      ...tokenLines,
      'Ctrl-C stops every piece.',
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(e instanceof ConfigError ? `configuration error: ${e.message}\n` : `failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = e instanceof ConfigError ? 2 : 1;
  if (children.length) stopAll('SIGTERM');
  else process.exit(process.exitCode);
});
