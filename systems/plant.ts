/**
 * The demo plant, generated deterministically from (seed, scale). Both demo systems call
 * `generatePlant` with the same arguments and keep their own half, so they agree on everything except
 * the faults seeded on purpose (listed in `seededFaults`).
 */
import { BASE_TIME, PLANTS, iso, padOperation, padOrder, round3 } from './plant/catalog.ts';
import { bookConfirmation } from './plant/booking.ts';
import { jobId, generateJobs, orphanJob } from './plant/execution.ts';
import { seedConfirmationFaults, seedMaterialFaults, seedStatusDrift, statusDriftFault } from './plant/faults.ts';
import { erpBom, erpMaterials, erpStock, erpWorkCenters, generateMaterials, generateWorkCenters, type MasterData } from './plant/masterdata.ts';
import { assignQuantities, erpOperations, erpOrder, generateOrders, type OrderSpec } from './plant/orders.ts';
import { Rng } from './plant/random.ts';
import { generateTraceability } from './plant/traceability.ts';
import type { ErpConfirmation, ErpData, ErpOperation, MesData, MesJobOrder, MesMappingRow, SeededFault } from './plant/types.ts';

export type * from './plant/types.ts';
export { EQUIPMENT_STATES, ERP_STATUSES, JOB_STATUSES } from './plant/types.ts';
export { bookConfirmation, lastOperation } from './plant/booking.ts';

export interface PlantOptions {
  /** Any 32-bit integer; the default demo uses 42. */
  seed: number;
  /** Linear multiplier on orders, materials and equipment; 1 gives the documented minimums. */
  scale: number;
}

export interface GeneratedPlant {
  erp: ErpData;
  mes: MesData;
  seededFaults: SeededFault[];
}

export function generatePlant({ seed, scale }: PlantOptions): GeneratedPlant {
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const rng = new Rng(seed);
  const materials = generateMaterials(rng.fork('materials'), scale);
  const master: MasterData = { materials, byNumber: new Map(materials.map((m) => [m.number, m])), ...generateWorkCenters(rng.fork('equipment'), scale) };
  const orders = generateOrders(rng.fork('orders'), scale, master);

  const faults = seedMaterialFaults(rng.fork('material-faults'), orders);
  const drifted = seedStatusDrift(rng.fork('status-drift'), orders);
  assignQuantities(rng.fork('quantities'), orders);
  const jobsByOrder = generateJobs(rng.fork('jobs'), orders);
  if (drifted) {
    const jobs = jobsByOrder.get(drifted.number) ?? [];
    for (const j of jobs) if (j.status === 'PAUSED') j.status = 'RUNNING';
    faults.push(statusDriftFault(drifted, jobs));
  }
  const allJobs = [...jobsByOrder.values()].flat();
  const orphanMaterial = rng.fork('orphan').pick(materials.filter((m) => m.kind === 'FG' && m.mapping === 'ok'));
  const orphan = orphanJob(rng.fork('orphan-job'), master, orphanMaterial, jobId(allJobs.length + 1));
  allJobs.push(orphan);
  faults.push({ kind: 'ORPHAN_WORK_ORDER', erpOrder: orphan.erpOrder, jobOrderId: orphan.id, mesCode: orphan.materialCode, detail: 'site 3000 work order; the ERP has no order 9999999' });

  const confirmations = confirmationsFromMes(orders, jobsByOrder);
  faults.push(...seedConfirmationFaults(rng.fork('confirmation-faults'), orders, confirmations));
  confirmations.sort((a, b) => (a.PostedAt < b.PostedAt ? -1 : a.PostedAt > b.PostedAt ? 1 : 0));
  confirmations.forEach((c, i) => {
    c.ConfirmationId = String(i + 1).padStart(10, '0');
  });

  const erp = erpHalf(rng.fork('stock'), master, orders, confirmations);
  const trace = generateTraceability(rng.fork('traceability'), materials, allJobs);
  const mapping: MesMappingRow[] = materials
    .filter((m) => m.mapping !== 'unmapped')
    .map((m) => ({ erpMaterial: m.number, mesCode: m.mesCode, erpUnit: m.baseUnit, mesUnit: m.mesUnit, factor: m.mapping === 'ok' ? m.factor : null }));
  return {
    erp,
    mes: { jobOrders: allJobs, equipment: master.equipment, lots: trace.lots, qualityResults: trace.qualityResults, mapping },
    seededFaults: faults,
  };
}

/** What the MES reported and the ERP booked: one confirmation per operation that saw any work. */
function confirmationsFromMes(orders: readonly OrderSpec[], jobsByOrder: ReadonlyMap<string, MesJobOrder[]>): ErpConfirmation[] {
  const out: ErpConfirmation[] = [];
  const booked = new Set(['PARTIALLY_CONFIRMED', 'CONFIRMED', 'TECHNICALLY_COMPLETED', 'CLOSED']);
  for (const o of orders) {
    if (!booked.has(o.status)) continue;
    const f = o.material.factor;
    for (const job of jobsByOrder.get(o.number) ?? []) {
      for (const s of job.segments) {
        if (s.goodQuantity === 0 && s.scrapQuantity === 0) continue;
        out.push({
          ConfirmationId: '',
          OrderNumber: padOrder(o.number),
          Operation: padOperation(s.sequence),
          Yield: round3(s.goodQuantity * f),
          Scrap: round3(s.scrapQuantity * f),
          Unit: o.material.baseUnit,
          ExternalReference: `${job.id}/${s.sequence}`,
          PostedAt: s.finishedAt ?? iso(Date.parse(s.startedAt ?? iso(BASE_TIME)) + 30 * 60_000),
        });
      }
    }
  }
  return out;
}

function erpHalf(rng: Rng, master: MasterData, orders: readonly OrderSpec[], confirmations: readonly ErpConfirmation[]): ErpData {
  const erpOrders = orders.map(erpOrder);
  const operations: ErpOperation[] = [];
  const opsByOrder = new Map<string, ErpOperation[]>();
  for (const o of orders) {
    const ops = erpOperations(o);
    operations.push(...ops);
    opsByOrder.set(padOrder(o.number), ops);
  }
  const orderByNumber = new Map(erpOrders.map((o) => [o.OrderNumber, o]));
  const costOf = new Map(orders.map((o) => [padOrder(o.number), o.material.cost]));
  for (const c of confirmations) {
    const order = orderByNumber.get(c.OrderNumber);
    if (order) bookConfirmation(order, opsByOrder.get(c.OrderNumber) ?? [], c, costOf.get(c.OrderNumber) ?? 0, { moveStatus: false });
  }
  return {
    plants: PLANTS.map((p) => ({ ...p })),
    materials: erpMaterials(master.materials),
    stock: erpStock(rng, master.materials),
    bomItems: erpBom(master.materials, master.byNumber),
    workCenters: erpWorkCenters(master.workCenters),
    orders: erpOrders,
    operations,
    confirmations: confirmations.slice(),
  };
}
