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
  return result.supergraphSdl;
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
