import type DataLoader from 'dataloader';
import { createStaleCollector, type EntityCache, type StaleCollector } from '../../lib/cache/index.ts';
import { entityLoader, groupLoader } from '../../lib/loaders.ts';
import type { IntegrityServices } from './closed-loop/services.ts';
import { cachedMesSource } from './cached-source.ts';
import type { MaterialMapping } from './mapping.ts';
import type { MesEquipment, MesJobOrder, MesLot, MesQualityResult, MesSource } from './source.ts';

/** Per-request state of the MES subgraph. */
export interface MesContext {
  source: MesSource;
  stale: StaleCollector;
  mapping: MaterialMapping;
  /** Reconciliation and closed-loop services, made once per process (integrity.ts). */
  integrity: IntegrityServices;
  loaders: {
    job: DataLoader<string, MesJobOrder | null>;
    jobsByOrder: DataLoader<string, MesJobOrder[]>;
    equipment: DataLoader<string, MesEquipment | null>;
    lot: DataLoader<string, MesLot | null>;
    lotsByCode: DataLoader<string, MesLot[]>;
    quality: DataLoader<string, MesQualityResult[]>;
  };
}

/** The one place an MES request context is made. `mapping` is read per request so a reload applies at once. */
export function createMesContext(upstream: MesSource, mapping: MaterialMapping, integrity: IntegrityServices, cache?: EntityCache): MesContext {
  const stale = createStaleCollector();
  // Uncached reads cannot be told to the response cache: such an answer is never stored.
  if (!cache) stale.uncacheable();
  const source = cache ? cachedMesSource(upstream, cache, stale) : upstream;
  const job = entityLoader((ids) => source.jobOrdersByIds(ids), (j) => j.id);
  return {
    source,
    stale,
    mapping,
    // Reconciliation and the closed loop read the systems without the entity cache: an answer that
    // touched them is not stored by the gateway's response cache. A proxy, not a getter, so a shallow
    // copy of the context does not count as a use.
    integrity: new Proxy(integrity, {
      get(target, property, receiver) {
        stale.uncacheable();
        return Reflect.get(target, property, receiver) as unknown;
      },
    }),
    loaders: {
      job,
      jobsByOrder: groupLoader(async (ids) => {
        const jobs = await source.jobOrdersByErpOrders(ids);
        // A work order reached through its production order needs no second fetch by id.
        for (const j of jobs) job.prime(j.id, j);
        return jobs;
      }, (j) => j.erpOrder),
      equipment: entityLoader((ids) => source.equipmentByIds(ids), (e) => e.id),
      lot: entityLoader((ids) => source.lotsByIds(ids), (l) => l.id),
      lotsByCode: groupLoader((codes) => source.lotsByMaterialCodes(codes), (l) => l.materialCode),
      quality: groupLoader((ids) => source.qualityByJobOrders(ids), (q) => q.jobOrderId),
    },
  };
}
