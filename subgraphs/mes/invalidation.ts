import type { EntityCache } from '../../lib/cache/index.ts';
import { optionalText } from '../../lib/fields.ts';

/** The fields of a MES feed event that say what it changed (systems/README.md, "Types and data"). */
export interface MesChange {
  type: string;
  [field: string]: unknown;
}

/**
 * Drops exactly the cached entries a MES event changes. Called by the event bridge before the event is
 * published, so no subscriber can be told of a change and then read the old value.
 */
export async function invalidateForMesEvent(cache: EntityCache, raw: MesChange): Promise<void> {
  const ev = { type: raw.type, jobOrderId: optionalText(raw.jobOrderId), erpOrder: optionalText(raw.erpOrder), equipmentId: optionalText(raw.equipmentId) };
  const work: Promise<unknown>[] = [];
  if (ev.type.startsWith('operation.') || ev.type === 'joborder.status') {
    if (ev.jobOrderId) work.push(cache.invalidate('job', [ev.jobOrderId]));
    if (ev.erpOrder) work.push(cache.invalidate('jobsByOrder', [ev.erpOrder]));
    // Completing a work order books an output lot (and consumes inputs): lot lists of any material may
    // change. Rare, so the lot lists are dropped as a whole rather than tracked per material.
    if (ev.type === 'operation.completed' || ev.type === 'joborder.status') {
      work.push(cache.dropType('lotsByCode'), cache.dropType('lot'));
    }
  } else if (ev.type === 'equipment.state') {
    if (ev.equipmentId) work.push(cache.invalidate('equipment', [ev.equipmentId]));
    work.push(cache.dropType('equipmentList'));
  } else if (ev.type === 'quality.result') {
    if (ev.jobOrderId) work.push(cache.invalidate('quality', [ev.jobOrderId]));
  }
  await Promise.all(work);
}
