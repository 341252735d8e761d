/**
 * What the demo ERP needs for cost reports: activity rates per work center type, routing standard times
 * and moving average prices. Derived without the random generator, so adding them changed no other record.
 */
import type { WorkCenterType } from './catalog.ts';

/** EUR per machine hour and per labour hour; Crew = people per machine (labour hours per machine hour). */
export const WORK_CENTER_RATES: Record<WorkCenterType, { MachineRate: number; LabourRate: number; Crew: number }> = {
  MIX: { MachineRate: 85, LabourRate: 52, Crew: 1 },
  MACH: { MachineRate: 120, LabourRate: 58, Crew: 0.5 },
  ASSY: { MachineRate: 40, LabourRate: 48, Crew: 2 },
  PACK: { MachineRate: 45, LabourRate: 44, Crew: 1 },
};

/** Bought-in materials are issued at a price up to 10 % off standard either way; made ones at standard. */
// Structural parameters (not MaterialSpec/OrderSpec): masterdata.ts and orders.ts import this module.
export function movingAveragePrice(m: { kind: string; cost: number; number: string }): number {
  if (m.kind !== 'RM') return m.cost;
  const offset = (Number(m.number) % 21) - 10;
  return Math.round(m.cost * (100 + offset)) / 100;
}

/**
 * Machine minutes per unit an operation is planned at: the order's planned duration shared by its
 * operations. The shop floor's booked times (each work order's share, less changeovers) come close, so
 * time variances stay small, as in a plant whose routings are maintained.
 */
export function standardMinutes(o: { planned: number; routing: readonly unknown[]; start: number; end: number }): number {
  if (!(o.planned > 0) || o.routing.length === 0) return 0;
  return Math.round(((o.end - o.start) / 60_000 / o.routing.length / o.planned) * 10_000) / 10_000;
}
