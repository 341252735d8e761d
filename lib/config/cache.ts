import { ConfigError, type Env } from './env.ts';

export interface CacheConfig {
  /** Fresh TTL in seconds per `<system>.<type>` (e.g. `erp.order`). */
  ttlSec: Record<string, number>;
  staleTtlSec: number;
  negativeTtlSec: number;
  /**
   * The gateway's whole-response cache (`RESPONSE_CACHE`, needs REDIS_URL; README "Caching"), and whether identical concurrent client
   * requests run once (`REQUEST_COALESCING`, with or without the cache).
   */
  responses: { enabled: boolean; maxTtlSec: number; coalesce: boolean };
}

/**
 * Fresh TTLs by type: master data changes rarely (minutes), orders and stock move (seconds), MES
 * execution state is short-lived and also invalidated by MES events; equipment state lives until its
 * next event (the TTL only bounds a missed event). Lists (`orders`, `materials`, ...) have short TTLs.
 */
export const DEFAULT_CACHE_TTLS: Record<string, number> = {
  'erp.material': 600,
  'erp.materials': 60,
  'erp.plants': 600,
  'erp.bom': 600,
  'erp.order': 30,
  'erp.orders': 15,
  'erp.stock': 30,
  'erp.routing': 30,
  'erp.confirmations': 30,
  'mes.job': 10,
  'mes.jobsByOrder': 10,
  'mes.equipment': 3600,
  'mes.equipmentList': 3600,
  'mes.lot': 60,
  'mes.lotsByCode': 60,
  'mes.quality': 60,
};

export function ttls(env: Env): Record<string, number> {
  const raw = env.CACHE_TTLS;
  if (!raw) return { ...DEFAULT_CACHE_TTLS };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`CACHE_TTLS must be a JSON object like {"erp.order": 30}, got "${raw}"`);
  }
  const out = { ...DEFAULT_CACHE_TTLS };
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(k in DEFAULT_CACHE_TTLS)) throw new ConfigError(`CACHE_TTLS: unknown type "${k}" (known: ${Object.keys(DEFAULT_CACHE_TTLS).join(', ')})`);
    if (typeof v !== 'number' || !(v >= 0)) throw new ConfigError(`CACHE_TTLS: "${k}" must be a number of seconds >= 0`);
    out[k] = v;
  }
  return out;
}

