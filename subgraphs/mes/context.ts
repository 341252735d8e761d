import DataLoader from 'dataloader';
import { createStaleCollector, type EntityCache, type StaleCollector } from '../../lib/cache/index.ts';
import { entityLoader, groupLoader } from '../../lib/loaders.ts';
import type { IntegrityServices } from './closed-loop/services.ts';
import type { ReportServices } from './reports/services.ts';
import { cachedMesSource } from './cached-source.ts';
import type { MaterialMapping } from './mapping.ts';
import type { MesEquipment, MesEquipmentStateChange, MesJobOrder, MesLot, MesQualityResult, MesSource } from './source.ts';

/** Per-request state of the MES subgraph. */
export interface MesContext {
  source: MesSource;
  stale: StaleCollector;
  mapping: MaterialMapping;
  /** Reconciliation and closed-loop services, made once per process (integrity.ts). */
  integrity: IntegrityServices;
  /** Report bounds and the ERP reader of the cost and summary reports, made once per process. */
  reports: ReportServices;
  loaders: {
    job: DataLoader<string, MesJobOrder | null>;
    jobsByOrder: DataLoader<string, MesJobOrder[]>;
    equipment: DataLoader<string, MesEquipment | null>;
    lot: DataLoader<string, MesLot | null>;
    lotsByCode: DataLoader<string, MesLot[]>;
    quality: DataLoader<string, MesQualityResult[]>;
    /** Open job orders with an operation on the machine (one job may be under several machines). */
    openJobsByEquipment: DataLoader<string, MesJobOrder[]>;
    stateLog: DataLoader<string, MesEquipmentStateChange[]>;
  };
}

/** The one place an MES request context is made. `mapping` is read per request so a reload applies at once. */
export function createMesContext(upstream: MesSource, mapping: MaterialMapping, integrity: IntegrityServices, reports: ReportServices, cache?: EntityCache): MesContext {
  const stale = createStaleCollector();
  // Uncached reads cannot be told to the response cache: such an answer is never stored.
  if (!cache) stale.uncacheable();
  const source = cache ? cachedMesSource(upstream, cache, stale) : upstream;
  const job = entityLoader((ids) => source.jobOrdersByIds(ids), (j) => j.id);
  // A proxy, not a getter, so a shallow copy of the context does not count as a use.
  const uncacheable = <T extends object>(services: T): T =>
    new Proxy(services, {
      get(target, property, receiver) {
        stale.uncacheable();
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
  return {
    source,
    stale,
    mapping,
    // Reconciliation, the closed loop and the reports read the systems without the entity cache: an
    // answer that touched them is not stored by the gateway's response cache.
    integrity: uncacheable(integrity),
    // The reports read both systems' whole books directly, like reconciliation.
    reports: uncacheable(reports),
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
      openJobsByEquipment: new DataLoader(async (ids: readonly string[]) => {
        const jobs = await source.openJobOrdersByEquipment(ids);
        return ids.map((id) => jobs.filter((j) => j.segments.some((s) => s.equipmentId === id)));
      }),
      stateLog: groupLoader((ids) => source.equipmentStatesByEquipment(ids), (c) => c.equipmentId),
    },
  };
}
