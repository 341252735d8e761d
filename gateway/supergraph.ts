import { readFileSync } from 'node:fs';

/**
 * The checked-in supergraph as @apollo/gateway can load it. Composition links `@requiresScopes` and
 * `@authenticated` `for: SECURITY`, and @apollo/gateway refuses every SECURITY feature it does not
 * enforce itself (only Apollo Router does). The hub enforces them in its own shared piece, from the SDL,
 * so the gateway is handed the same supergraph with those links demoted to plain metadata: the
 * directives stay in place, the query planner is unchanged.
 */
export function loadSupergraphSdl(file: URL): string {
  return readFileSync(file, 'utf8').replace(
    /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:requiresScopes|authenticated|policy)\/v[\d.]+"), for: SECURITY\)/g,
    '$1)',
  );
}
