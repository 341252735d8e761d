/** What the drill checks in the systems of record themselves, never through the hub. */
import { confirmationId } from '../../subgraphs/mes/closed-loop/model.ts';
import type { DrillPlant } from './plant.ts';
import type { ConfirmTarget } from './probes.ts';

/**
 * A RUNNING work order of a confirmable ERP order with a mapped material and no seeded discrepancy,
 * with the most quantity left: where the drill's operator confirms.
 */
export async function confirmTarget(plant: DrillPlant): Promise<ConfirmTarget> {
  type Job = { id: string; quantity: number; segments: { sequence: number; goodQuantity: number }[] };
  const jobs = (await (await fetch(`${plant.mesApi}/api/v1/job-orders?status=RUNNING&limit=1000`)).json()) as { items: Job[] };
  // The most room left first: the drill's confirmations must not complete the operation mid-run.
  const room = (j: Job) => j.quantity - (j.segments.at(-1)?.goodQuantity ?? 0);
  for (const job of jobs.items.sort((a, b) => room(b) - room(a)).slice(0, 50)) {
    const res = await fetch(plant.gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...plant.auth },
      body: JSON.stringify({ query: 'query($id: ID!) { workOrder(id: $id) { unitConverted productionOrder { status discrepancies { kind } } } }', variables: { id: job.id } }),
    });
    const wo = ((await res.json()) as { data?: { workOrder?: { unitConverted: boolean; productionOrder?: { status: string; discrepancies: unknown[] } } } }).data?.workOrder;
    if (wo?.unitConverted && ['RELEASED', 'PARTIALLY_CONFIRMED'].includes(wo.productionOrder?.status ?? '') && wo.productionOrder?.discrepancies.length === 0) {
      return { workOrderId: job.id, operationSequence: job.segments.at(-1)!.sequence };
    }
  }
  throw new Error('no running work order to confirm on');
}

/** How many ERP confirmations carry each key's external reference (1 = booked exactly once). */
export async function bookings(plant: DrillPlant, target: ConfirmTarget, keys: string[]): Promise<Map<string, number>> {
  const counts = new Map(keys.map((k) => [k, 0]));
  const byRef = new Map(keys.map((k) => [`${target.workOrderId}/${target.operationSequence}/${confirmationId(k)}`, k]));
  const refs = [...byRef.keys()];
  for (let i = 0; i < refs.length; i += 50) {
    const filter = encodeURIComponent(`ExternalReference in (${refs.slice(i, i + 50).map((r) => `'${r}'`).join(',')})`);
    const page = (await (await fetch(`${plant.erpApi}/odata/ProductionOrderConfirmations?$filter=${filter}&$top=1000`)).json()) as { value: { ExternalReference: string }[] };
    for (const row of page.value) {
      const k = byRef.get(row.ExternalReference);
      if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return counts;
}
