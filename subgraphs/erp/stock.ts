import { roundQuantity, unitFactor } from '../../lib/units.ts';
import type { ErpStock } from './source.ts';

/** A material's stock rows, of one plant when given (the rows come from one batched load per request). */
export function stockOf(rows: readonly ErpStock[], plant: string | null | undefined): ErpStock[] {
  return plant == null ? [...rows] : rows.filter((r) => r.plant === plant);
}

/**
 * The sum over storage locations in the material's base unit. A row in another unit of the same
 * dimension is converted (G into KG); one that cannot be converted is left out, never added as is.
 */
export function totalStock(rows: readonly ErpStock[], baseUnit: string, plant: string | null | undefined): number {
  let total = 0;
  for (const r of stockOf(rows, plant)) {
    const f = unitFactor(r.unit, baseUnit);
    if (f !== undefined) total += r.quantity * f;
  }
  return roundQuantity(total);
}
