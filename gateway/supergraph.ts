import { readFileSync } from 'node:fs';
import { Kind, parse, type DocumentNode } from 'graphql';
import { ConfigError, type HubConfig } from '../lib/config.ts';

/**
 * The composed supergraph the gateway serves (`SUPERGRAPH_PATH`, by default the checked-in
 * `schema/supergraph.graphql`): any file composed by Apollo Federation, the hub's or another graph's.
 * Read once at start; no composition at run time.
 */
export interface Supergraph {
  sdl: string;
  /** Where the gateway reaches each subgraph, by subgraph name: the file's URL unless the operator overrides it. */
  urls: Record<string, string>;
}

/** Subgraph name -> URL as the file's `join__Graph` enum names them. */
function urlsInFile(doc: DocumentNode): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const graph = value.directives?.find((d) => d.name.value === 'join__graph');
      const arg = (name: string) => graph?.arguments?.find((a) => a.name.value === name)?.value;
      const name = arg('name');
      const url = arg('url');
      if (name?.kind === Kind.STRING && url?.kind === Kind.STRING) urls[name.value] = url.value;
    }
  }
  return urls;
}

export function readSupergraph(config: HubConfig): Supergraph {
  const path = config.supergraphPath;
  let sdl: string;
  let doc: DocumentNode;
  try {
    sdl = readFileSync(path, 'utf8');
    doc = parse(sdl);
  } catch (e) {
    throw new ConfigError(`SUPERGRAPH_PATH: cannot read a supergraph from ${path} (${(e as Error).message})`);
  }
  const urls = urlsInFile(doc);
  if (Object.keys(urls).length === 0) throw new ConfigError(`SUPERGRAPH_PATH: ${path} names no subgraphs (no join__Graph enum): is it a composed supergraph?`);
  // The hub's own subgraph names take the operator's ERP_/MES_SUBGRAPH_URL (or _PORT) when set.
  for (const [name, override] of Object.entries(config.subgraphUrlOverrides)) if (override && name in urls) urls[name] = override;
  return { sdl, urls };
}
