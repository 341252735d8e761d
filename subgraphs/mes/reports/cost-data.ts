/**
 * Reads what the cost analysis of a set of orders needs from both systems in bulk: a fixed number of
 * batched reads whatever the number of orders (ids travel in `in (...)`/`ids=` chunks), never one per order.
 */
import type { ErpOrder, ErpSource } from '../../erp/source.ts';
import type { MaterialMapping } from '../mapping.ts';
import { group as groupBy } from '../reconciliation/report.ts';
import type { MesSource } from '../source.ts';
import { analyseCost, type CostAnalysisRecord } from './cost.ts';

export interface CostDeps {
  erp: ErpSource;
  mes: MesSource;
  mapping: MaterialMapping;
}

export async function costAnalyses(deps: CostDeps, orders: readonly ErpOrder[]): Promise<CostAnalysisRecord[]> {
  if (orders.length === 0) return [];
  const ids = orders.map((o) => o.id);
  const [routing, bom, jobs, centers] = await Promise.all([
    deps.erp.routingByOrders(ids),
    deps.erp.bomByMaterials([...new Set(orders.map((o) => o.materialId))]),
    deps.mes.jobOrdersByErpOrders(ids),
    deps.erp.workCenters(),
  ]);
  const consumptions = jobs.length ? await deps.mes.consumptionsByJobOrders(jobs.map((j) => j.id)) : [];
  const materialIds = new Set(bom.map((b) => b.componentId));
  for (const c of consumptions) {
    const erp = deps.mapping.row(c.materialCode)?.erpMaterial;
    if (erp) materialIds.add(erp);
  }
  const materials = materialIds.size ? await deps.erp.materialsByIds([...materialIds]) : [];
  const byMaterial = new Map(materials.map((m) => [m.id, m]));
  const workCenters = new Map(centers.map((w) => [w.id, w]));
  const routingOf = groupBy(routing, (r) => r.orderId);
  const bomOf = groupBy(bom, (b) => `${b.materialId}|${b.plant}`);
  const jobsOf = groupBy(jobs, (j) => j.erpOrder);
  const consumedBy = groupBy(consumptions, (c) => c.jobOrderId);
  return orders.map((order) => {
    const orderJobs = jobsOf.get(order.id) ?? [];
    return analyseCost({
      order,
      routing: routingOf.get(order.id) ?? [],
      bom: bomOf.get(`${order.materialId}|${order.plant}`) ?? [],
      materials: byMaterial,
      workCenters,
      jobs: orderJobs,
      consumptions: orderJobs.flatMap((j) => consumedBy.get(j.id) ?? []),
      mapping: deps.mapping,
    });
  });
}
