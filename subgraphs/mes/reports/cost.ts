/**
 * Cost plan vs actual of one production order, from facts of both systems. Every line (a component,
 * or an operation's machine or labour time) is valued the same way, so that the causes add up exactly:
 *
 *   planned = std/unit x planned qty x std price          target = std/unit x produced x std price
 *   scrap   = std/unit x scrap x std price                 usage  = (actual qty - std/unit x (produced + scrap)) x std price
 *   price   = (actual price - std price) x actual qty      actual = actual qty x actual price
 *   => actual - target = usage + scrap + price             (usage is `quantity` for materials, `time` for activities)
 *
 * Materials are consumed at the order's first operation (the ERP default), so their lines belong to its
 * work center. Consumption the mapping cannot place is left out and listed, never guessed.
 */
import { canonicalUnit, roundQuantity, unitFactor } from '../../../lib/units.ts';
import type { ErpBomItem, ErpMaterial, ErpOrder, ErpRoutingOperation, ErpWorkCenter } from '../../erp/source.ts';
import type { CostLineKind } from '../enums.ts';
import type { MaterialMapping } from '../mapping.ts';
import { executionTotals } from '../model.ts';
import type { MesConsumption, MesJobOrder } from '../source.ts';

export interface CostMoney {
  plannedCost: number;
  targetCost: number;
  actualCost: number;
  variance: number;
  quantityVariance: number;
  scrapVariance: number;
  priceVariance: number;
  timeVariance: number;
}

export interface CostLineRecord extends CostMoney {
  kind: CostLineKind;
  materialId: string | null;
  workCenter: string | null;
  operationSequence: number | null;
  /** Base unit of the component, or `H` (hours) for time. */
  unit: string;
  standardQuantityPerUnit: number;
  plannedQuantity: number;
  targetQuantity: number;
  actualQuantity: number;
  standardPrice: number;
  actualPrice: number;
}

export interface CostAnalysisRecord extends CostMoney {
  orderId: string;
  plant: string;
  materialId: string;
  plannedStart: string;
  currency: string;
  unit: string;
  plannedQuantity: number;
  producedQuantity: number;
  scrapQuantity: number;
  lines: CostLineRecord[];
  /** Why something was left out of the actuals (unmapped consumption, unconvertible work orders). */
  excluded: string[];
}

export interface CostFacts {
  order: ErpOrder;
  routing: readonly ErpRoutingOperation[];
  /** BOM items of the order's material at its plant. */
  bom: readonly ErpBomItem[];
  materials: ReadonlyMap<string, ErpMaterial>;
  workCenters: ReadonlyMap<string, ErpWorkCenter>;
  jobs: readonly MesJobOrder[];
  consumptions: readonly MesConsumption[];
  mapping: MaterialMapping;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Money of one line from its standard per unit, actual quantity and prices (unrounded). */
function money(perUnit: number, actual: number, std: number, act: number, q: { planned: number; produced: number; scrap: number }) {
  return {
    plannedCost: perUnit * q.planned * std,
    targetCost: perUnit * q.produced * std,
    actualCost: actual * act,
    usage: (actual - perUnit * (q.produced + q.scrap)) * std,
    scrapVariance: perUnit * q.scrap * std,
    priceVariance: (act - std) * actual,
  };
}

function line(kind: CostLineKind, at: Pick<CostLineRecord, 'materialId' | 'workCenter' | 'operationSequence' | 'unit'>, perUnit: number, actual: number, std: number, act: number, q: { planned: number; produced: number; scrap: number }) {
  const m = money(perUnit, actual, std, act, q);
  return {
    raw: m,
    record: {
      kind,
      ...at,
      standardQuantityPerUnit: perUnit,
      plannedQuantity: roundQuantity(perUnit * q.planned),
      targetQuantity: roundQuantity(perUnit * q.produced),
      actualQuantity: roundQuantity(actual),
      standardPrice: std,
      actualPrice: act,
      plannedCost: round2(m.plannedCost),
      targetCost: round2(m.targetCost),
      actualCost: round2(m.actualCost),
      variance: round2(m.actualCost - m.targetCost),
      quantityVariance: kind === 'MATERIAL' ? round2(m.usage) : 0,
      scrapVariance: round2(m.scrapVariance),
      priceVariance: round2(m.priceVariance),
      timeVariance: kind === 'MATERIAL' ? 0 : round2(m.usage),
    } satisfies CostLineRecord,
  };
}

/** Hours booked on completed operations, by operation sequence, over the order's work orders. */
function bookedHours(jobs: readonly MesJobOrder[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const job of jobs) {
    for (const s of job.segments) {
      if (s.status !== 'COMPLETED' || !s.startedAt || !s.finishedAt) continue;
      const h = (Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 3_600_000;
      if (h > 0) out.set(s.sequence, (out.get(s.sequence) ?? 0) + h);
    }
  }
  return out;
}

/** Actual component usage in each component's ERP base unit, and what could not be placed. */
function consumedByMaterial(f: CostFacts, excluded: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of f.consumptions) {
    const erp = f.mapping.row(c.materialCode)?.erpMaterial;
    const material = erp ? f.materials.get(erp) : undefined;
    const conv = erp && material ? f.mapping.conversion(c.materialCode, c.unit, material.baseUnit, erp) : undefined;
    if (!erp || !material || !conv?.ok) {
      excluded.push(`consumption ${c.id} of ${c.materialCode} (${c.quantity} ${c.unit}) cannot be mapped to an ERP material and unit`);
      continue;
    }
    out.set(erp, (out.get(erp) ?? 0) + c.quantity * conv.factor);
  }
  return out;
}

export function analyseCost(f: CostFacts): CostAnalysisRecord {
  const { order } = f;
  const totals = executionTotals({ unit: order.unit, materialId: order.materialId }, f.jobs, f.mapping);
  const excluded = totals.excluded.map((e) => `work order ${e.job.id} left out of produced and scrap quantities (${e.reason})`);
  const q = { planned: order.plannedQuantity, produced: totals.produced, scrap: totals.scrap };
  const routing = [...f.routing].sort((a, b) => a.sequence - b.sequence);
  const firstCenter = routing[0]?.workCenter ?? null;
  const lines: ReturnType<typeof line>[] = [];

  const used = consumedByMaterial(f, excluded);
  const perUnit = new Map<string, number>();
  for (const b of f.bom) {
    const unit = f.materials.get(b.componentId)?.baseUnit ?? b.unit;
    const factor = unitFactor(canonicalUnit(b.unit), canonicalUnit(unit)) ?? 1;
    perUnit.set(b.componentId, (perUnit.get(b.componentId) ?? 0) + b.quantity * factor);
  }
  for (const id of [...new Set([...perUnit.keys(), ...used.keys()])].sort()) {
    const m = f.materials.get(id);
    const std = m?.standardCost ?? 0;
    const at = { materialId: id, workCenter: firstCenter, operationSequence: routing[0]?.sequence ?? null, unit: m?.baseUnit ?? '' };
    lines.push(line('MATERIAL', at, perUnit.get(id) ?? 0, used.get(id) ?? 0, std, m?.movingAveragePrice ?? std, q));
  }

  const hours = bookedHours(f.jobs);
  for (const op of routing) {
    const wc = f.workCenters.get(op.workCenter);
    const h = (op.minutesPerUnit ?? 0) / 60;
    const actual = hours.get(op.sequence) ?? 0;
    const crew = wc?.crew ?? 0;
    const at = { materialId: null, workCenter: op.workCenter, operationSequence: op.sequence, unit: 'H' };
    lines.push(line('MACHINE', at, h, actual, wc?.machineRate ?? 0, wc?.machineRate ?? 0, q));
    if (crew > 0) lines.push(line('LABOUR', at, h * crew, actual * crew, wc?.labourRate ?? 0, wc?.labourRate ?? 0, q));
  }

  const sum = (pick: (r: ReturnType<typeof money>, kind: CostLineKind) => number) => round2(lines.reduce((s, l) => s + pick(l.raw, l.record.kind), 0));
  return {
    orderId: order.id,
    plant: order.plant,
    materialId: order.materialId,
    plannedStart: order.plannedStart,
    currency: order.currency,
    unit: order.unit,
    plannedQuantity: q.planned,
    producedQuantity: q.produced,
    scrapQuantity: q.scrap,
    plannedCost: sum((r) => r.plannedCost),
    targetCost: sum((r) => r.targetCost),
    actualCost: sum((r) => r.actualCost),
    variance: sum((r) => r.actualCost - r.targetCost),
    quantityVariance: sum((r, k) => (k === 'MATERIAL' ? r.usage : 0)),
    scrapVariance: sum((r) => r.scrapVariance),
    priceVariance: sum((r) => r.priceVariance),
    timeVariance: sum((r, k) => (k === 'MATERIAL' ? 0 : r.usage)),
    lines: lines.map((l) => l.record),
    excluded,
  };
}
