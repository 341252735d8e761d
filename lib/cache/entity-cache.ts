import { createHash } from 'node:crypto';
import { UpstreamError, type SystemName } from '../errors.ts';
import type { HubMetrics } from '../metrics.ts';
import type { CacheBackend } from './backend.ts';
import { parseShared } from './parsed.ts';
import type { StaleCollector } from './stale.ts';

/**
 * The entity cache between a subgraph's loaders and its system: key = `<prefix>:<system>:<type>:<id>`,
 * value = the upstream record as compact JSON. Each entry is written twice: a fresh copy with the
 * type's TTL and a stale copy (`<prefix>:stale:...`, default 24 h) that lets a query succeed, marked
 * stale, while the system is down.
 */
export interface EntityCacheOptions {
  backend: CacheBackend;
  system: SystemName;
  prefix: string;
  /** Fresh TTL per type, in seconds; types not listed use `defaultTtlSec`. */
  ttlSec: Record<string, number>;
  defaultTtlSec: number;
  staleTtlSec: number;
  /** Unknown ids are remembered this long, so a burst of bad ids cannot hammer the system. */
  negativeTtlSec: number;
  metrics?: HubMetrics;
  /**
   * Called with the tags of what was just dropped (`<system>:<type>:<id>`, `<system>:<type>` for a
   * purge), after the entries are gone: the gateway's stored answers built from them go too.
   */
  dropAnswers?: (tags: string[]) => Promise<void>;
}

/** Bumped when a cached record's shape changes: entries of another version read as misses. */
const RECORD_VERSION = 1;

/**
 * How long a finished fetch stays joinable by requests whose cache read was already out when it
 * finished. Those reads began before the fetch ended, so its values are as fresh as joining it in flight;
 * the window only has to outlast one slow MGET (under load one was seen taking several hundred ms).
 */
const SETTLED_MS = 5_000;

interface Envelope<V> {
  /** record version */
  s: number;
  /** fetched at, epoch ms */
  t: number;
  /** fresh until, epoch ms (entries written before this field existed: t + the negative TTL) */
  x?: number;
  v: V;
}

export class EntityCache {
  /** Single flight: concurrent requests for the same missing key share one upstream fetch. */
  private readonly inflight = new Map<string, Promise<unknown>>();
  /**
   * Fetches that finished recently, by cache key, with the sequence number of their finish. A request
   * whose MGET was out while a fetch of the same key started and finished misses both the inflight entry
   * and (if its MGET was served first) the written value; it takes the settled value instead of fetching
   * again. Only values settled after the request began count.
   */
  private readonly settled = new Map<string, { seq: number; value: unknown }>();
  private seq = 0;

  constructor(readonly opts: EntityCacheOptions) {}

  key(type: string, id: string): string {
    return `${this.opts.prefix}:${this.opts.system}:${type}:${id}`;
  }

  /** The set of a type's fresh keys, so an event can drop the type without a keyspace scan. */
  private indexKey(type: string): string {
    return `${this.opts.prefix}:index:${this.opts.system}:${type}`;
  }

  private staleKey(type: string, id: string): string {
    return `${this.opts.prefix}:stale:${this.opts.system}:${type}:${id}`;
  }

  private label(type: string): string {
    return `${this.opts.system}.${type}`;
  }

  /**
   * Read-through for a batch of keys. `fetch` gets only the misses (one upstream call for the batch)
   * and answers a value per key it found; keys it does not answer take `absent` (cached with the
   * negative TTL). When the system fails, stale copies answer and are reported to `stale`; if any key
   * has none, the system's error is thrown.
   */
  async batch<V>(
    type: string,
    keys: readonly string[],
    fetch: (missing: string[]) => Promise<Map<string, V>>,
    absent: V,
    stale: StaleCollector | undefined,
  ): Promise<Map<string, V>> {
    const out = new Map<string, V>();
    const began = this.seq;
    const unique = [...new Set(keys)];
    const waiting: Promise<void>[] = [];
    const toRead: string[] = [];
    // When each entry read stays fresh, for the request's cache log (the response cache's TTL).
    const freshUntil = new Map<string, number>();
    for (const k of unique) {
      const pending = this.inflight.get(this.key(type, k)) as Promise<V> | undefined;
      if (pending) waiting.push(pending.then((v) => void out.set(k, v)));
      else toRead.push(k);
    }
    if (toRead.length) {
      const readKeys = toRead.map((k) => this.key(type, k));
      const raw = await this.opts.backend.mget(readKeys);
      const misses: string[] = [];
      raw.forEach((text, i) => {
        const env = text === null ? undefined : parse<V>(readKeys[i]!, text);
        if (env) {
          out.set(toRead[i]!, env.v);
          freshUntil.set(toRead[i]!, env.x ?? env.t + this.opts.negativeTtlSec * 1000);
        } else misses.push(toRead[i]!);
      });
      const hits = toRead.length - misses.length;
      if (hits) this.opts.metrics?.cacheHits.inc({ type: this.label(type) }, hits);
      if (misses.length) {
        this.opts.metrics?.cacheMisses.inc({ type: this.label(type) }, misses.length);
        // Another request may have started fetching these while our MGET was out: join it, or take its
        // result if it has already finished. From here to the inflight registration in load() nothing
        // awaits, so no third request can slip between.
        const toFetch: string[] = [];
        for (const k of misses) {
          const key = this.key(type, k);
          const pending = this.inflight.get(key) as Promise<V> | undefined;
          const done = this.settled.get(key);
          if (pending) waiting.push(pending.then((v) => void out.set(k, v)));
          else if (done && done.seq > began) out.set(k, done.value as V);
          else toFetch.push(k);
        }
        if (toFetch.length) waiting.push(this.load(type, toFetch, fetch, absent, stale, out));
      }
    }
    await Promise.all(waiting);
    if (stale) {
      const fetchedUntil = Date.now() + (this.opts.ttlSec[type] ?? this.opts.defaultTtlSec) * 1000;
      for (const k of unique) stale.read(`${this.opts.system}:${type}:${k}`, freshUntil.get(k) ?? fetchedUntil);
    }
    return out;
  }

  private async load<V>(
    type: string,
    misses: string[],
    fetch: (missing: string[]) => Promise<Map<string, V>>,
    absent: V,
    stale: StaleCollector | undefined,
    out: Map<string, V>,
  ): Promise<void> {
    const work = this.fetchAndStore(type, misses, fetch, absent, stale);
    // Each missing key points at the one batch fetch, so later requests join it instead of refetching.
    misses.forEach((k) => {
      const p = work.then((m) => m.get(k) as V);
      p.catch(() => undefined);
      this.inflight.set(this.key(type, k), p);
    });
    try {
      const found = await work;
      for (const k of misses) out.set(k, found.get(k) as V);
      this.remember(type, misses, found);
    } finally {
      for (const k of misses) this.inflight.delete(this.key(type, k));
    }
  }

  private remember<V>(type: string, keys: string[], found: Map<string, V>): void {
    const seq = ++this.seq;
    for (const k of keys) this.settled.set(this.key(type, k), { seq, value: found.get(k) });
    setTimeout(() => {
      for (const k of keys) {
        const key = this.key(type, k);
        if (this.settled.get(key)?.seq === seq) this.settled.delete(key);
      }
    }, SETTLED_MS).unref();
  }

  private async fetchAndStore<V>(
    type: string,
    misses: string[],
    fetch: (missing: string[]) => Promise<Map<string, V>>,
    absent: V,
    stale: StaleCollector | undefined,
  ): Promise<Map<string, V>> {
    let fetched: Map<string, V>;
    try {
      fetched = await fetch(misses);
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e;
      return this.serveStale(type, misses, e, stale);
    }
    const now = Date.now();
    const ttl = this.opts.ttlSec[type] ?? this.opts.defaultTtlSec;
    const entries: { key: string; value: string; ttlSec: number }[] = [];
    const result = new Map<string, V>();
    for (const k of misses) {
      const found = fetched.has(k);
      const v = found ? (fetched.get(k) as V) : absent;
      result.set(k, v);
      const ttlSec = found ? ttl : Math.min(ttl, this.opts.negativeTtlSec);
      const value = JSON.stringify({ s: RECORD_VERSION, t: now, x: now + ttlSec * 1000, v } satisfies Envelope<V>);
      entries.push({ key: this.key(type, k), value, ttlSec });
      if (found) entries.push({ key: this.staleKey(type, k), value, ttlSec: this.opts.staleTtlSec });
    }
    await this.opts.backend.mset(entries, this.indexKey(type));
    return result;
  }

  private async serveStale<V>(type: string, keys: string[], err: UpstreamError, stale: StaleCollector | undefined) {
    const staleKeys = keys.map((k) => this.staleKey(type, k));
    const raw = await this.opts.backend.mget(staleKeys);
    const result = new Map<string, V>();
    let oldest = Date.now();
    for (const [i, text] of raw.entries()) {
      const env = text === null ? undefined : parse<V>(staleKeys[i]!, text);
      if (!env) throw err;
      result.set(keys[i]!, env.v);
      oldest = Math.min(oldest, env.t);
    }
    this.opts.metrics?.cacheStaleServed.inc({ type: this.label(type) }, keys.length);
    stale?.add({ subgraph: this.opts.system, type, ids: keys, age: Math.round((Date.now() - oldest) / 1000) });
    return result;
  }

  /** A list or search answer, keyed by its normalised upstream request. */
  async list<V>(type: string, request: string, fetch: () => Promise<V>, stale: StaleCollector | undefined): Promise<V> {
    const id = createHash('sha1').update(request).digest('base64url').slice(0, 22);
    const m = await this.batch<V | undefined>(type, [id], async () => new Map([[id, await fetch()]]), undefined, stale);
    return m.get(id) as V;
  }

  /** Drops the fresh copies of these entries (the stale copies stay for outages, unless `stale`). */
  async invalidate(type: string, ids: readonly string[], opts: { stale?: boolean } = {}): Promise<void> {
    const keys = ids.map((id) => this.key(type, id));
    for (const key of keys) this.settled.delete(key);
    if (opts.stale) keys.push(...ids.map((id) => this.staleKey(type, id)));
    await this.opts.backend.del(keys);
    // Answers after entries: an answer stored in between would be refused by its tombstone anyway.
    await this.opts.dropAnswers?.(ids.map((id) => `${this.opts.system}:${type}:${id}`));
  }

  /**
   * Drops every fresh entry of a type through the type's index (no keyspace scan: the event path uses
   * this, e.g. an equipment event drops the equipment lists), and the answers built from them.
   */
  async dropType(type: string): Promise<number> {
    const n = await this.opts.backend.delIndexed(this.indexKey(type), `${this.opts.prefix}:${this.opts.system}:${type}:`);
    await this.opts.dropAnswers?.([`${this.opts.system}:${type}`]);
    return n;
  }

  /**
   * Drops every fresh entry of a type, or of this system when no type is given (and the stale copies,
   * if `stale`). Scans the keyspace: for the admin route, not for the event path (see `dropType`).
   */
  async purge(type?: string, opts: { stale?: boolean } = {}): Promise<number> {
    const rest = `${this.opts.system}:${type ? `${type}:` : ''}`;
    this.settled.clear();
    const fresh = await this.opts.backend.delPrefix(`${this.opts.prefix}:${rest}`);
    const staleCopies = opts.stale ? await this.opts.backend.delPrefix(`${this.opts.prefix}:stale:${rest}`) : 0;
    await this.opts.dropAnswers?.([type ? `${this.opts.system}:${type}` : this.opts.system]);
    return fresh + staleCopies;
  }
}

function parse<V>(key: string, text: string): Envelope<V> | undefined {
  try {
    // Shared, read-only: identical entries are parsed once per process (lib/cache/parsed.ts).
    const env = parseShared(key, text) as Envelope<V>;
    return env.s === RECORD_VERSION ? env : undefined;
  } catch {
    return undefined;
  }
}
