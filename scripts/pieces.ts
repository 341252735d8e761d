/**
 * `tsx scripts/pieces.ts <piece>...`: several of the hub's servers in one process (`erp`, `mes`,
 * `gateway`). `npm start` uses it without REDIS_URL for the MES subgraph and the gateway: the in-memory
 * event bus connects only servers of one process. Every other piece runs alone (`npm run start:<piece>`).
 */
// First: graphql's development-mode checks off before anything loads graphql (lib/graphql-production.ts).
import '../lib/graphql-production.ts';
import { loadConfig } from '../lib/config.ts';
import { runMain } from '../lib/main.ts';
import type { RunningServer } from '../lib/subgraph-server.ts';
import { startGateway } from '../gateway/server.ts';
import { startErpSubgraph } from '../subgraphs/erp/server.ts';
import { startMesSubgraph } from '../subgraphs/mes/server.ts';

const STARTERS = { erp: startErpSubgraph, mes: startMesSubgraph, gateway: startGateway } as const;

runMain(async () => {
  const config = loadConfig();
  const running: RunningServer[] = [];
  for (const piece of process.argv.slice(2)) {
    const start = STARTERS[piece as keyof typeof STARTERS];
    if (!start) throw new Error(`unknown piece "${piece}" (known: ${Object.keys(STARTERS).join(', ')})`);
    running.push(await start(config));
  }
  return {
    async close() {
      for (const r of running.reverse()) await r.close().catch(() => undefined);
    },
  };
});
