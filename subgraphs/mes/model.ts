import { roundQuantity } from '../../lib/units.ts';
import type { Conversion, MaterialMapping } from './mapping.ts';
import type { MesEquipment, MesJobOrder, MesLot, MesSegment } from './source.ts';

/**
 * The MES records as the graph shows them: each paired with the conversion that turns its MES
 * quantities into ERP units. The conversion is worked out once per record, not once per field.
 */

/** A production order as the gateway hands it to the MES subgraph, with the ERP fields it @requires. */
export interface OrderExecutionRef {
  id: string;
  plannedQuantity?: number;
  unit?: string;
  material?: { id: string; baseUnit?: string };
}

export interface MaterialRef {
  id: string;
  baseUnit?: string;
}

export interface WorkOrderView {
  id: string;
  job: MesJobOrder;
  conv: Conversion;
}

export interface OperationView {
  seg: MesSegment;
  /** Multiplier into the work order's graph unit (1 when unconverted). */
  factor: number;
  /** The equipment, when it was loaded with the work order's operations (undefined: load on demand). */
  equipment?: MesEquipment | null;
}

export interface LotView {
  id: string;
  lot: MesLot;
  conv: Conversion;
}

export const workOrderView = (job: MesJobOrder, mapping: MaterialMapping): WorkOrderView => ({
  id: job.id,
  job,
  conv: mapping.conversion(job.materialCode, job.unit),
});

export const lotView = (lot: MesLot, mapping: MaterialMapping, targetUnit?: string, erpMaterial?: string): LotView => ({
  id: lot.id,
  lot,
  conv: mapping.conversion(lot.materialCode, lot.unit, targetUnit, erpMaterial),
});

/** A work order's output: the good quantity of its last operation (earlier operations' good parts are WIP). */
export function jobOutput(job: MesJobOrder): number {
  let last: MesSegment | undefined;
  for (const s of job.segments) if (!last || s.sequence > last.sequence) last = s;
  return last?.goodQuantity ?? 0;
}

export function jobScrap(job: MesJobOrder): number {
  return job.segments.reduce((sum, s) => sum + s.scrapQuantity, 0);
}

export interface ExcludedJob {
  jobOrderId: string;
  reason: Conversion extends infer C ? (C extends { ok: false; reason: infer R } ? R : never) : never;
}

export interface ExecutionTotals {
  produced: number;
  scrap: number;
  excluded: ExcludedJob[];
}

/**
 * Sums a production order's work orders in the order's unit. A work order whose material is not the
 * order's, or whose unit cannot be converted, is left out and listed, never guessed.
 */
export function executionTotals(order: OrderExecutionRef, jobs: readonly MesJobOrder[], mapping: MaterialMapping): ExecutionTotals {
  let produced = 0;
  let scrap = 0;
  const excluded: ExcludedJob[] = [];
  for (const job of jobs) {
    const conv = mapping.conversion(job.materialCode, job.unit, order.unit, order.material?.id);
    if (!conv.ok) {
      excluded.push({ jobOrderId: job.id, reason: conv.reason });
      continue;
    }
    produced += jobOutput(job) * conv.factor;
    scrap += jobScrap(job) * conv.factor;
  }
  return { produced: roundQuantity(produced), scrap: roundQuantity(scrap), excluded };
}
