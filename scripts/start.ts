/**
 * `npm start`: the whole demo plant in one process — demo ERP and MES (unless ERP_API_URL / MES_API_URL
 * point at real systems), both subgraphs and the gateway — then the URLs and a first query to paste.
 * Each piece also starts alone (`npm run start:<piece>`); this only wires them in order.
 */
// First: graphql's development-mode checks off before anything loads graphql (lib/graphql-production.ts).
import '../lib/graphql-production.ts';
import { demoTokens } from '../lib/auth/demo-tokens.ts';
import { loadConfig } from '../lib/config.ts';
import { runMain } from '../lib/main.ts';
import type { RunningServer } from '../lib/subgraph-server.ts';
import { FIRST_QUERY } from '../gateway/examples.ts';
import { startGateway } from '../gateway/server.ts';
import { startErpSubgraph } from '../subgraphs/erp/server.ts';
import { startMesSubgraph } from '../subgraphs/mes/server.ts';
import { startErpSystem } from '../systems/erp/server.ts';
import { startMesSystem } from '../systems/mes/server.ts';

runMain(async () => {
  const config = loadConfig();
  const running: { close(): Promise<void> }[] = [];
  const lines: string[] = [];
  if (!config.erpApiUrl) {
    const erp = await startErpSystem({ port: config.ports.erpApi, seed: config.demoSeed, scale: config.demoScale });
    running.push(erp);
    lines.push(`demo ERP (OData)      ${erp.url}/odata/ProductionOrders?$top=5`);
  }
  if (!config.mesApiUrl) {
    const mes = await startMesSystem({
      port: config.ports.mesApi,
      seed: config.demoSeed,
      scale: config.demoScale,
      simulate: config.demoSimulate,
    });
    running.push(mes);
    lines.push(`demo MES (REST)       ${mes.url}/api/v1/job-orders?limit=5`);
  }
  const subgraphs: RunningServer[] = await Promise.all([startErpSubgraph(config), startMesSubgraph(config)]);
  running.push(...subgraphs);
  const gateway = await startGateway(config);
  running.push(gateway);
  if (!config.redisUrl) {
    process.stdout.write('note: REDIS_URL is not set; cache and event bus are in memory (single process only)\n');
  }
  // Demo mode only: ready-made tokens, one per role, so restricted fields can be tried at once.
  const tokens = config.production ? {} : await demoTokens(config.security);
  const tokenLines = Object.keys(tokens).length
    ? [
        `Demo tokens (HS256, audience ${config.security.jwtAudience}, valid 8 h${config.security.jwtSecretGenerated ? ', key generated for this start' : ''});`,
        "send one as  Authorization: Bearer <token>  (GraphiQL: the Headers tab). Without a token you are anonymous.",
        ...Object.entries(tokens).map(([role, t]) => `  ${role.padEnd(11)} ${t}`),
        '',
      ]
    : [];
  process.stdout.write(
    [
      '',
      'ERP-MES hub is up.',
      `  GraphQL + explorer    ${gateway.url}   (open it in a browser)`,
      `  Live board            ${gateway.url.replace(/\/graphql$/, '/board')}?plant=1000`,
      `  ERP subgraph          ${subgraphs[0]?.url}`,
      `  MES subgraph          ${subgraphs[1]?.url}`,
      ...lines.map((l) => `  ${l}`),
      '',
      'A first query to paste into the explorer:',
      '',
      FIRST_QUERY,
      '',
      `or from a shell:  curl -s ${gateway.url} -H 'content-type: application/json' \\`,
      `  -d '{"query":"{ productionOrders(first: 3) { edges { node { id status progress material { description } } } } }"}'`,
      '',
      ...tokenLines,
    ].join('\n'),
  );
  return {
    async close() {
      for (const r of running.reverse()) await r.close().catch(() => undefined);
    },
  };
});
