import type DataLoader from 'dataloader';
import { createStaleCollector, type EntityCache, type StaleCollector } from '../../lib/cache/index.ts';
import { entityLoader, groupLoader } from '../../lib/loaders.ts';
import { cachedErpSource } from './cached-source.ts';
import type { DueStatusSource } from './due-source.ts';
import type {
  ErpBomItem,
  ErpConfirmationRecord,
  ErpMaterial,
  ErpOrder,
  ErpRoutingOperation,
  ErpSource,
  ErpStock,
} from './source.ts';

/** Per-request state of the ERP subgraph: fresh loaders, so batching and de-duplication are per request. */
export interface ErpContext {
  source: ErpSource;
  /** What this request served from stale copies (reported in `extensions.stale`). */
  stale: StaleCollector;
  /** Due statuses for the `dueStatus` filter, from the MES subgraph (due-source.ts says why). */
  due: DueStatusSource;
  loaders: {
    order: DataLoader<string, ErpOrder | null>;
    material: DataLoader<string, ErpMaterial | null>;
    stock: DataLoader<string, ErpStock[]>;
    bom: DataLoader<string, ErpBomItem[]>;
    routing: DataLoader<string, ErpRoutingOperation[]>;
    confirmations: DataLoader<string, ErpConfirmationRecord[]>;
  };
}

/** The one place an ERP request context is made; cheap (closures only, no I/O). */
export function createErpContext(upstream: ErpSource, due: DueStatusSource, cache?: EntityCache): ErpContext {
  const stale = createStaleCollector();
  // Uncached reads cannot be told to the response cache: such an answer is never stored.
  if (!cache) stale.uncacheable();
  const source = cache ? cachedErpSource(upstream, cache, stale) : upstream;
  return {
    source,
    stale,
    due,
    loaders: {
      order: entityLoader((ids) => source.ordersByIds(ids), (o) => o.id),
      material: entityLoader((ids) => source.materialsByIds(ids), (m) => m.id),
      stock: groupLoader((ids) => source.stockByMaterials(ids), (s) => s.materialId),
      bom: groupLoader((ids) => source.bomByMaterials(ids), (b) => b.materialId),
      routing: groupLoader((ids) => source.routingByOrders(ids), (r) => r.orderId),
      confirmations: groupLoader((ids) => source.confirmationsByOrders(ids), (c) => c.orderId),
    },
  };
}
