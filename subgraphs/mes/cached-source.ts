import { cachedEntities, cachedGroups, type EntityCache, type StaleCollector } from '../../lib/cache/index.ts';
import type { MesSource } from './source.ts';

/** The MES source with the entity cache in front (see subgraphs/erp/cached-source.ts). */
export function cachedMesSource(inner: MesSource, cache: EntityCache, stale?: StaleCollector): MesSource {
  return {
    jobOrdersByIds: cachedEntities(cache, 'job', (ids) => inner.jobOrdersByIds(ids), (j) => j.id, stale),
    jobOrdersByErpOrders: cachedGroups(cache, 'jobsByOrder', (ids) => inner.jobOrdersByErpOrders(ids), (j) => j.erpOrder, stale),
    // Bulk reads for the plant-wide reconciliation go to the MES: a cached list would join stale rows.
    allJobOrders: (site) => inner.allJobOrders(site),
    equipmentByIds: cachedEntities(cache, 'equipment', (ids) => inner.equipmentByIds(ids), (e) => e.id, stale),
    equipmentList: (site) => cache.list('equipmentList', site ?? '*', () => inner.equipmentList(site), stale),
    lotsByIds: cachedEntities(cache, 'lot', (ids) => inner.lotsByIds(ids), (l) => l.id, stale),
    lotsByMaterialCodes: cachedGroups(cache, 'lotsByCode', (codes) => inner.lotsByMaterialCodes(codes), (l) => l.materialCode, stale),
    qualityByJobOrders: cachedGroups(cache, 'quality', (ids) => inner.qualityByJobOrders(ids), (q) => q.jobOrderId, stale),
  };
}
