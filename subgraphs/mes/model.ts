import { roundQuantity } from '../../lib/units.ts';
import type { Conversion, MaterialMapping, ConversionFailure } from './mapping.ts';
import type { MesEquipment, MesJobOrder, MesLot, MesSegment } from './source.ts';

/**
 * The MES records as the graph shows them: each paired with the conversion that turns its MES
 * quantities into ERP units, and shaped once, when the view is made, with a property per scalar
 * field of its graph type. graphql-js's default resolver reads those properties directly; a
 * resolver function per field cost a call and a conversion per field on thousands of fields a request.
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
  plant: string;
  status: MesJobOrder['status'];
  quantity: number;
  unit: string;
  unitConverted: boolean;
  mesMaterialCode: string;
  mesUnit: string;
  plannedStart: string | null;
  plannedEnd: string | null;
  /** The operations in sequence order, made on first use (see operationViews). */
  operationViews: OperationView[] | undefined;
  /** True once its operations' equipment is loaded into them (resolvers.ts, attachEquipment). */
  equipmentAttached: boolean;
}

export interface OperationView {
  seg: MesSegment;
  /** The work order it belongs to (Operation.workOrder). */
  workOrder: WorkOrderView;
  /** Multiplier into the work order's graph unit (1 when unconverted). */
  factor: number;
  /** The equipment, when it was loaded with the work order's operations (undefined: load on demand). */
  equipment: MesEquipment | null | undefined;
  sequence: number;
  description: string;
  status: MesSegment['status'];
  goodQuantity: number;
  scrapQuantity: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** Restricted field: the scope guard (lib/auth/directives.ts) wraps the default resolver that reads it. */
  processParameters: MesSegment['parameters'];
}

export interface LotView {
  id: string;
  lot: MesLot;
  conv: Conversion;
  mesMaterialCode: string;
  plant: string;
  quantity: number;
  unit: string;
  unitConverted: boolean;
  status: MesLot['status'];
  createdAt: string;
}

/** A MES quantity as the graph shows it: converted when the mapping allows, else as the MES holds it. */
function shown(quantity: number, mesUnit: string, conv: Conversion) {
  return {
    quantity: roundQuantity(quantity * (conv.ok ? conv.factor : 1)),
    unit: conv.ok ? conv.unit : mesUnit,
    unitConverted: conv.ok,
  };
}

export function workOrderView(job: MesJobOrder, mapping: MaterialMapping): WorkOrderView {
  const conv = mapping.conversion(job.materialCode, job.unit);
  return {
    id: job.id,
    job,
    conv,
    plant: job.site,
    status: job.status,
    ...shown(job.quantity, job.unit, conv),
    mesMaterialCode: job.materialCode,
    mesUnit: job.unit,
    plannedStart: job.plannedStart,
    plannedEnd: job.plannedEnd,
    operationViews: undefined,
    equipmentAttached: false,
  };
}

const bySequence = (a: MesSegment, b: MesSegment) => a.sequence - b.sequence;

const operationView = (seg: MesSegment, factor: number, workOrder: WorkOrderView): OperationView => ({
  seg,
  workOrder,
  factor,
  equipment: undefined,
  sequence: seg.sequence,
  description: seg.description,
  status: seg.status,
  goodQuantity: roundQuantity(seg.goodQuantity * factor),
  scrapQuantity: roundQuantity(seg.scrapQuantity * factor),
  startedAt: seg.startedAt,
  finishedAt: seg.finishedAt,
  processParameters: seg.parameters,
});

/** A work order's operations in sequence order; sorted and shaped once per view, shared by its fields. */
export function operationViews(view: WorkOrderView): OperationView[] {
  if (!view.operationViews) {
    const factor = view.conv.ok ? view.conv.factor : 1;
    view.operationViews = [...view.job.segments].sort(bySequence).map((seg) => operationView(seg, factor, view));
  }
  return view.operationViews;
}

export function lotView(lot: MesLot, mapping: MaterialMapping, targetUnit?: string, erpMaterial?: string): LotView {
  const conv = mapping.conversion(lot.materialCode, lot.unit, targetUnit, erpMaterial);
  return {
    id: lot.id,
    lot,
    conv,
    mesMaterialCode: lot.materialCode,
    plant: lot.site,
    ...shown(lot.quantity, lot.unit, conv),
    status: lot.status,
    createdAt: lot.createdAt,
  };
}

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
  job: MesJobOrder;
  reason: ConversionFailure;
}

export interface ExecutionTotals {
  produced: number;
  scrap: number;
  excluded: ExcludedJob[];
}

/**
 * Sums a production order's work orders in the order's unit. A work order whose material is not the
 * order's, or whose unit cannot be converted, is left out and listed, never guessed. One sum for the
 * graph's quantity fields and for reconciliation, so both always agree.
 */
export function executionTotals(
  order: { unit?: string | undefined; materialId?: string | undefined },
  jobs: readonly MesJobOrder[],
  mapping: MaterialMapping,
): ExecutionTotals {
  let produced = 0;
  let scrap = 0;
  const excluded: ExcludedJob[] = [];
  for (const job of jobs) {
    const conv = mapping.conversion(job.materialCode, job.unit, order.unit, order.materialId);
    if (!conv.ok) {
      excluded.push({ job, reason: conv.reason });
      continue;
    }
    produced += jobOutput(job) * conv.factor;
    scrap += jobScrap(job) * conv.factor;
  }
  return { produced: roundQuantity(produced), scrap: roundQuantity(scrap), excluded };
}
