import { MISMATCHED_UNIT, padOrder, round3 } from './catalog.ts';
import type { MaterialSpec } from './masterdata.ts';
import type { OrderSpec } from './orders.ts';
import type { Rng } from './random.ts';
import type { ErpConfirmation, MesJobOrder, SeededFault } from './types.ts';

/** An order whose data no other seeded fault touches, so each fault shows up on its own. */
export function isClean(o: OrderSpec): boolean {
  return o.material.mapping === 'ok' && !o.statusDrift;
}

/**
 * Picks materials that really run on the shop floor (so the hub meets them on job orders) and breaks
 * their master data: no mapping row, or a MES unit of another dimension with no factor.
 */
export function seedMaterialFaults(rng: Rng, orders: readonly OrderSpec[]): SeededFault[] {
  const used = new Map<string, MaterialSpec>();
  for (const o of orders) if (o.status !== 'CREATED') used.set(o.material.number, o.material);
  const candidates = rng.shuffle([...used.values()].sort((a, b) => (a.number < b.number ? -1 : 1)));
  const faults: SeededFault[] = [];
  candidates.slice(0, 4).forEach((m) => {
    m.mapping = 'unmapped';
    faults.push({ kind: 'UNMAPPED_MATERIAL', material: m.number, mesCode: m.mesCode, detail: `MES code ${m.mesCode} has no row in the mapping table` });
  });
  candidates.slice(4, 7).forEach((m) => {
    m.mapping = 'mismatch';
    m.mesUnit = MISMATCHED_UNIT[m.baseUnit];
    // The MES counts in a unit of another dimension; only the plant knows it happens to be 1:1.
    m.factor = 1;
    faults.push({ kind: 'UNIT_MISMATCH', material: m.number, mesCode: m.mesCode, detail: `ERP unit ${m.baseUnit}, MES unit ${m.mesUnit}, no factor` });
  });
  return faults;
}

/** The order the ERP closed while one of its MES job orders is still running. */
export function seedStatusDrift(rng: Rng, orders: readonly OrderSpec[]): OrderSpec | undefined {
  const candidates = orders.filter((o) => o.status === 'CLOSED' && isClean(o));
  if (candidates.length === 0) return undefined;
  const o = rng.pick(candidates);
  o.statusDrift = true;
  return o;
}

/** Bends a few ERP confirmations away from what the MES reported; the list says which. */
export function seedConfirmationFaults(
  rng: Rng,
  orders: readonly OrderSpec[],
  confirmations: ErpConfirmation[],
): SeededFault[] {
  const byOrder = new Map<string, ErpConfirmation[]>();
  for (const c of confirmations) {
    const list = byOrder.get(c.OrderNumber) ?? [];
    list.push(c);
    byOrder.set(c.OrderNumber, list);
  }
  const lastOp = (o: OrderSpec): string => String(o.routing[o.routing.length - 1]?.sequence ?? 0).padStart(4, '0');
  const finalConfirmation = (o: OrderSpec): ErpConfirmation | undefined =>
    byOrder.get(padOrder(o.number))?.find((c) => c.Operation === lastOp(o) && c.Yield > 0);
  const done = new Set(['CONFIRMED', 'TECHNICALLY_COMPLETED', 'CLOSED']);
  const pool = rng.shuffle(orders.filter((o) => isClean(o) && done.has(o.status) && finalConfirmation(o)));
  const faults: SeededFault[] = [];

  for (const o of pool.slice(0, 5)) {
    const c = finalConfirmation(o) as ErpConfirmation;
    const delta = Math.max(1, Math.round(o.planned * rng.float(0.02, 0.08)));
    const sign = rng.chance(0.5) || c.Yield <= delta ? 1 : -1;
    c.Yield = round3(c.Yield + sign * delta);
    faults.push({ kind: 'QUANTITY_DRIFT', erpOrder: o.number, detail: `ERP confirmed yield is ${sign > 0 ? '+' : '-'}${delta} ${o.material.baseUnit} off the MES good quantity` });
  }
  for (const o of pool.slice(5, 8)) {
    const c = byOrder.get(padOrder(o.number))?.[0];
    if (!c) continue;
    const delta = Math.max(1, Math.round(o.planned * rng.float(0.01, 0.04)));
    c.Scrap = round3(c.Scrap + delta);
    faults.push({ kind: 'SCRAP_DRIFT', erpOrder: o.number, detail: `ERP confirmed scrap is +${delta} ${o.material.baseUnit} off the MES scrap` });
  }
  const dup = pool[8];
  const original = dup && finalConfirmation(dup);
  if (dup && original) {
    const copy: ErpConfirmation = { ...original, PostedAt: new Date(Date.parse(original.PostedAt) + 180_000).toISOString() };
    confirmations.push(copy);
    faults.push({
      kind: 'DUPLICATE_CONFIRMATION',
      erpOrder: dup.number,
      jobOrderId: original.ExternalReference?.split('/')[0] ?? '',
      detail: `confirmation ${original.ExternalReference} was booked twice, so the order's yield counts it twice`,
    });
  }
  return faults;
}

export function statusDriftFault(o: OrderSpec, jobs: readonly MesJobOrder[]): SeededFault {
  const running = jobs.find((j) => j.status === 'RUNNING' || j.status === 'PAUSED');
  return { kind: 'STATUS_DRIFT', erpOrder: o.number, jobOrderId: running?.id ?? '', detail: 'CLOSED in the ERP while the MES work order still runs' };
}
