/**
 * The one comparison of an ERP production order with its MES work orders. Pure: facts in, discrepancies
 * out. `ProductionOrder.discrepancies` (facts from the gateway through @requires) and the plant-wide
 * `reconciliation` query (facts read in bulk) both call it, so the two can never disagree.
 *
 * The rules, in the words a plant controller would use (README, "Data integrity", has the table):
 * - A work order whose material or unit cannot be mapped is reported (UNMAPPED_MATERIAL /
 *   UNIT_MISMATCH) and the quantity comparison of that order is skipped: comparing the sums of the
 *   convertible part would report a second, made-up drift on top of the real cause.
 * - A confirmation booked twice in the ERP (same ExternalReference) is DUPLICATE_CONFIRMATION, and the
 *   quantity comparison uses the ERP figures net of the extra booking: the duplicate is the cause of
 *   the inflated yield, reported once, not once more as a QUANTITY_DRIFT.
 * - Quantity and scrap drift: |ERP - MES| above max(abs, ratio x planned), in the order's unit.
 * - Status drift: ERP TECHNICALLY_COMPLETED/CLOSED while a work order is still open in the MES, or
 *   every work order COMPLETED in the MES while the ERP order is still RELEASED/PARTIALLY_CONFIRMED.
 */
import type { Connection } from '../../../lib/connection.ts';
import { roundQuantity } from '../../../lib/units.ts';
import type { DiscrepancyKind, ProductionOrderStatus, Severity } from '../enums.ts';
import type { MaterialMapping } from '../mapping.ts';
import { executionTotals, jobOutput, jobScrap } from '../model.ts';
import type { MesJobOrder } from '../source.ts';

export interface ConfirmationFacts {
  operationSequence: number;
  quantity: number;
  scrapQuantity: number;
  externalReference?: string | null;
}

/** What the comparison needs of an ERP order; every quantity in `unit`. */
export interface OrderFacts {
  id: string;
  plant: string;
  status: ProductionOrderStatus;
  plannedQuantity: number;
  unit: string;
  plannedStart: string;
  materialId: string;
  confirmedQuantity: number;
  confirmedScrapQuantity: number;
  /** The routing's operation numbers (only the last one matters: its yield is the order's). */
  operations: number[];
  confirmations: ConfirmationFacts[];
}

export interface DiscrepancyRecord {
  kind: DiscrepancyKind;
  severity: Severity;
  /** The ERP order id; null for an orphan work order. */
  orderId: string | null;
  workOrderIds: string[];
  erpValue: string | null;
  mesValue: string | null;
  difference: number | null;
  message: string;
  /** Order number (the MES's, for orphans): the report's sort order. */
  sortKey: string;
}

export type DiscrepancyPage = Connection<DiscrepancyRecord>;

export interface Tolerances {
  abs: number;
  ratio: number;
}

/** Drift of at least this share of the planned quantity is HIGH, at least MEDIUM_RATIO is MEDIUM. */
export const HIGH_RATIO = 0.05;
export const MEDIUM_RATIO = 0.01;

const OPEN_JOB = new Set(['PLANNED', 'RUNNING', 'PAUSED']);
const ERP_DONE = new Set<ProductionOrderStatus>(['TECHNICALLY_COMPLETED', 'CLOSED']);
const ERP_OPEN = new Set<ProductionOrderStatus>(['RELEASED', 'PARTIALLY_CONFIRMED']);
/** The order in which one order's discrepancies are listed. */
export const KIND_ORDER: readonly DiscrepancyKind[] = [
  'UNMAPPED_MATERIAL', 'UNIT_MISMATCH', 'DUPLICATE_CONFIRMATION', 'QUANTITY_DRIFT', 'SCRAP_DRIFT', 'STATUS_DRIFT', 'ORPHAN_WORK_ORDER',
];

const fmt = (q: number): string => String(roundQuantity(q));

function driftSeverity(diff: number, planned: number): Severity {
  const ratio = planned > 0 ? Math.abs(diff) / planned : Infinity;
  return ratio >= HIGH_RATIO ? 'HIGH' : ratio >= MEDIUM_RATIO ? 'MEDIUM' : 'LOW';
}

/** Confirmations booked more than once under one ExternalReference, and what the extra copies added. */
function duplicates(order: OrderFacts): { reference: string; copies: ConfirmationFacts[] }[] {
  const byRef = new Map<string, ConfirmationFacts[]>();
  for (const c of order.confirmations) {
    if (!c.externalReference) continue;
    const list = byRef.get(c.externalReference);
    if (list) list.push(c);
    else byRef.set(c.externalReference, [c]);
  }
  return [...byRef].filter(([, list]) => list.length > 1).map(([reference, list]) => ({ reference, copies: list.slice(1) }));
}

export function compareOrder(order: OrderFacts, jobs: readonly MesJobOrder[], mapping: MaterialMapping, tol: Tolerances): DiscrepancyRecord[] {
  const out: DiscrepancyRecord[] = [];
  const base = { orderId: order.id, sortKey: order.id };
  // The same sum the graph's producedQuantity/scrapQuantity show, so a report and a query never disagree.
  const { produced: good, scrap, excluded } = executionTotals(order, jobs, mapping);
  const unmapped = excluded.filter((e) => e.reason === 'UNMAPPED_MATERIAL').map((e) => e.job);
  const mismatched = excluded.filter((e) => e.reason === 'UNIT_MISMATCH').map((e) => e.job);
  // Quantities the ERP cannot see: HIGH when the shop floor has reported any, else MEDIUM.
  const gapSeverity = (list: MesJobOrder[]): Severity => (list.some((j) => jobOutput(j) + jobScrap(j) > 0) ? 'HIGH' : 'MEDIUM');
  const codes = (list: MesJobOrder[]) => [...new Set(list.map((j) => `${j.materialCode} (${j.unit})`))].join(', ');
  if (unmapped.length) {
    out.push({
      ...base, kind: 'UNMAPPED_MATERIAL', severity: gapSeverity(unmapped), workOrderIds: unmapped.map((j) => j.id),
      erpValue: order.materialId, mesValue: codes(unmapped), difference: null,
      message: `MES material ${codes(unmapped)} of ${unmapped.length} work order(s) does not map to ERP material ${order.materialId}; their quantities are left out`,
    });
  } else if (jobs.length === 0 && order.status !== 'CREATED' && mapping.mesCodes(order.materialId).length === 0) {
    out.push({
      ...base, kind: 'UNMAPPED_MATERIAL', severity: 'MEDIUM', workOrderIds: [], erpValue: order.materialId, mesValue: null, difference: null,
      message: `ERP material ${order.materialId} has no MES code: the ${order.status} order cannot be scheduled to the MES`,
    });
  }
  if (mismatched.length) {
    out.push({
      ...base, kind: 'UNIT_MISMATCH', severity: gapSeverity(mismatched), workOrderIds: mismatched.map((j) => j.id),
      erpValue: order.unit, mesValue: codes(mismatched), difference: null,
      message: `no conversion from MES ${codes(mismatched)} to the order unit ${order.unit}; ${mismatched.length} work order(s) left out`,
    });
  }

  const lastOp = order.operations.length ? Math.max(...order.operations) : undefined;
  let extraYield = 0;
  let extraScrap = 0;
  for (const dup of duplicates(order)) {
    const dupYield = dup.copies.reduce((s, c) => s + c.quantity, 0);
    const dupScrap = dup.copies.reduce((s, c) => s + c.scrapQuantity, 0);
    // Only the last operation's yield is the order's yield (earlier operations pass the same units on).
    if (dup.copies[0]?.operationSequence === lastOp) extraYield += dupYield;
    extraScrap += dupScrap;
    out.push({
      ...base, kind: 'DUPLICATE_CONFIRMATION', severity: 'HIGH', workOrderIds: [dup.reference.split('/')[0] ?? dup.reference].filter((w) => jobs.some((j) => j.id === w)),
      erpValue: `${dup.copies.length + 1} bookings`, mesValue: dup.reference, difference: roundQuantity(dupYield),
      message: `MES report ${dup.reference} is booked ${dup.copies.length + 1} times in the ERP (extra yield ${fmt(dupYield)}, extra scrap ${fmt(dupScrap)} ${order.unit})`,
    });
  }

  if (!unmapped.length && !mismatched.length) {
    const limit = Math.max(tol.abs, tol.ratio * order.plannedQuantity) + 1e-9;
    const erpGood = roundQuantity(order.confirmedQuantity - extraYield);
    const erpScrap = roundQuantity(order.confirmedScrapQuantity - extraScrap);
    const net = extraYield || extraScrap ? ' (net of duplicate bookings)' : '';
    const ids = jobs.map((j) => j.id);
    const goodDiff = roundQuantity(erpGood - good);
    if (Math.abs(goodDiff) > limit) {
      out.push({
        ...base, kind: 'QUANTITY_DRIFT', severity: driftSeverity(goodDiff, order.plannedQuantity), workOrderIds: ids,
        erpValue: fmt(erpGood), mesValue: fmt(good), difference: goodDiff,
        message: `ERP confirmed yield ${fmt(erpGood)}${net} vs MES good quantity ${fmt(good)} ${order.unit}`,
      });
    }
    const scrapDiff = roundQuantity(erpScrap - scrap);
    if (Math.abs(scrapDiff) > limit) {
      out.push({
        ...base, kind: 'SCRAP_DRIFT', severity: driftSeverity(scrapDiff, order.plannedQuantity), workOrderIds: ids,
        erpValue: fmt(erpScrap), mesValue: fmt(scrap), difference: scrapDiff,
        message: `ERP confirmed scrap ${fmt(erpScrap)}${net} vs MES scrap ${fmt(scrap)} ${order.unit}`,
      });
    }
  }

  const open = jobs.filter((j) => OPEN_JOB.has(j.status));
  const live = jobs.filter((j) => j.status !== 'CANCELLED');
  if (ERP_DONE.has(order.status) && open.length) {
    out.push({
      ...base, kind: 'STATUS_DRIFT', severity: 'HIGH', workOrderIds: open.map((j) => j.id), erpValue: order.status,
      mesValue: open.map((j) => `${j.id} ${j.status}`).join(', '), difference: null,
      message: `${order.status} in the ERP while ${open.length} MES work order(s) are still open`,
    });
  } else if (ERP_OPEN.has(order.status) && live.length && live.every((j) => j.status === 'COMPLETED')) {
    out.push({
      ...base, kind: 'STATUS_DRIFT', severity: 'MEDIUM', workOrderIds: live.map((j) => j.id), erpValue: order.status, mesValue: 'COMPLETED',
      difference: null, message: `every MES work order is COMPLETED while the ERP order is still ${order.status}`,
    });
  }
  return out.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}

/** A MES work order whose ERP order does not exist. */
export function orphanDiscrepancy(job: MesJobOrder): DiscrepancyRecord {
  return {
    kind: 'ORPHAN_WORK_ORDER', severity: 'HIGH', orderId: null, workOrderIds: [job.id], erpValue: null, mesValue: job.id, difference: null,
    message: `MES work order ${job.id} (site ${job.site}) is booked against ERP order ${job.erpOrder}, which the ERP does not have`,
    sortKey: job.erpOrder,
  };
}
