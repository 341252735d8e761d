import { cachedEntities, cachedGroups, type EntityCache, type StaleCollector } from '../../lib/cache/index.ts';
import type { ErpSource } from './source.ts';

/**
 * The ERP source with the entity cache in front: the same interface, so loaders and resolvers do not
 * know whether an answer came from Redis or the ERP. Made per request (cheap: closures only) so that
 * stale answers are reported to the request that received them.
 */
export function cachedErpSource(inner: ErpSource, cache: EntityCache, stale?: StaleCollector): ErpSource {
  return {
    ordersByIds: cachedEntities(cache, 'order', (ids) => inner.ordersByIds(ids), (o) => o.id, stale),
    orders: (q) =>
      cache.list('orders', JSON.stringify({ ...q, status: q.status ? [...q.status].sort() : undefined }), () => inner.orders(q), stale),
    materialsByIds: cachedEntities(cache, 'material', (ids) => inner.materialsByIds(ids), (m) => m.id, stale),
    materials: (q) => cache.list('materials', JSON.stringify(q), () => inner.materials(q), stale),
    stockByMaterials: cachedGroups(cache, 'stock', (ids) => inner.stockByMaterials(ids), (s) => s.materialId, stale),
    bomByMaterials: cachedGroups(cache, 'bom', (ids) => inner.bomByMaterials(ids), (b) => b.materialId, stale),
    routingByOrders: cachedGroups(cache, 'routing', (ids) => inner.routingByOrders(ids), (r) => r.orderId, stale),
    confirmationsByOrders: cachedGroups(cache, 'confirmations', (ids) => inner.confirmationsByOrders(ids), (c) => c.orderId, stale),
    plants: () => cache.list('plants', 'all', () => inner.plants(), stale),
    // Only the cost report reads rates, straight from the ERP (restricted data is not cached).
    workCenters: (plant) => inner.workCenters(plant),
  };
}
