import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../lib/config.ts';

/**
 * Persisted operations. Automatic Persisted Queries (a client sends the sha256 of its query and only
 * sends the text when the hub asks) are Apollo Server's own; this file gives them a bounded store and
 * an operator's manifest: operations listed there are always known by hash, and in safelist mode
 * (PERSISTED_QUERIES_ONLY) nothing else runs and nothing new can be registered.
 */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Reads a manifest: Apollo's format (`{ "format": "apollo-persisted-query-manifest", "operations":
 * [{ "id", "name", "type", "body" }] }`) or a plain `{ "<anything>": "<query>" }` object. Each
 * operation is indexed by the sha256 of its body, the hash APQ clients send.
 */
export function loadManifest(path: string): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`PERSISTED_QUERIES_MANIFEST: cannot read ${path} (${(e as Error).message})`);
  }
  const bodies: string[] = [];
  if (raw && typeof raw === 'object' && Array.isArray((raw as { operations?: unknown }).operations)) {
    for (const op of (raw as { operations: { body?: unknown }[] }).operations) if (typeof op.body === 'string') bodies.push(op.body);
  } else if (raw && typeof raw === 'object') {
    for (const v of Object.values(raw)) if (typeof v === 'string') bodies.push(v);
  }
  if (!bodies.length) throw new ConfigError(`PERSISTED_QUERIES_MANIFEST: ${path} lists no operations`);
  return new Map(bodies.map((b) => [sha256(b), b]));
}

/** Apollo Server prefixes its APQ keys; the manifest is indexed by bare hash. */
const APQ_PREFIX = 'apq:';
/** Registered (non-manifest) queries kept; the oldest is dropped past this. */
const MAX_REGISTERED = 5_000;

/**
 * The KeyValueCache Apollo Server's APQ uses: manifest first, then queries clients registered (a small
 * LRU, per instance). In safelist mode registrations are ignored.
 */
export function persistedQueryCache(manifest: Map<string, string> | undefined, only: boolean) {
  const registered = new Map<string, string>();
  const hashOf = (key: string) => (key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key);
  return {
    async get(key: string): Promise<string | undefined> {
      const hash = hashOf(key);
      const listed = manifest?.get(hash);
      if (listed !== undefined || only) return listed;
      const q = registered.get(hash);
      if (q !== undefined) {
        registered.delete(hash);
        registered.set(hash, q);
      }
      return q;
    },
    async set(key: string, value: string): Promise<void> {
      if (only) return;
      registered.set(hashOf(key), value);
      if (registered.size > MAX_REGISTERED) registered.delete(registered.keys().next().value as string);
    },
    async delete(key: string): Promise<boolean | void> {
      registered.delete(hashOf(key));
    },
  };
}
