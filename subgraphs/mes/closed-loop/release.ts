import { badUserInput } from '../../../lib/errors.ts';
import { roundQuantity } from '../../../lib/units.ts';
import { normaliseOrderId } from '../../erp/ids.ts';
import type { ErpOrder, ErpRoutingOperation } from '../../erp/source.ts';
import type { MaterialMapping } from '../mapping.ts';
import { checkIdempotencyKey, idempotent } from './idempotency.ts';
import type { NewJobOrder } from './mes-writer.ts';
import type { IntegrityServices } from './services.ts';

/** An order split into more work orders than this is a configuration mistake, not a plan. */
const MAX_PARTS = 100;

/**
 * The work orders an ERP order becomes: its quantity converted into the MES unit and split into parts
 * of at most `maxQuantity` (ERP unit; 0 = one part), whole MES units where the total is whole; each
 * part runs the order's routing. Pure, so the split rule is tested without servers.
 */
export function planWorkOrders(order: ErpOrder, routing: readonly ErpRoutingOperation[], mapping: MaterialMapping, maxQuantity: number): NewJobOrder[] {
  const codes = mapping.mesCodes(order.materialId);
  const code = codes[0];
  if (code === undefined) throw badUserInput(`ERP material ${order.materialId} has no MES code: fix the material mapping before releasing.`, 'id');
  if (codes.length > 1) throw badUserInput(`ERP material ${order.materialId} has several MES codes (${codes.join(', ')}): the mapping must name one.`, 'id');
  const row = mapping.row(code);
  const conv = row && mapping.conversion(code, row.mesUnit, order.unit, order.materialId);
  if (!row || !conv?.ok) throw badUserInput(`No conversion from ${order.unit} to the MES unit of ${code}: fix the material mapping before releasing.`, 'id');
  if (routing.length === 0) throw badUserInput(`ERP order ${order.id} has no routing.`, 'id');
  const parts = maxQuantity > 0 ? Math.ceil(order.plannedQuantity / maxQuantity - 1e-9) : 1;
  if (parts > MAX_PARTS) throw badUserInput(`MAX_WORK_ORDER_QUANTITY would split order ${order.id} into ${parts} work orders (at most ${MAX_PARTS}).`, 'id');
  const total = roundQuantity(order.plannedQuantity / conv.factor);
  const whole = Number.isInteger(total);
  const share = whole ? Math.floor(total / parts) : roundQuantity(total / parts);
  const start = Date.parse(order.plannedStart);
  const span = (Date.parse(order.plannedEnd) - start) / parts;
  const segments = [...routing].sort((a, b) => a.sequence - b.sequence).map((r) => ({ sequence: r.sequence, description: r.description, workCenter: r.workCenter }));
  return Array.from({ length: parts }, (_, i): NewJobOrder => ({
    externalReference: `${order.id}/${i + 1}`,
    erpOrder: order.id,
    site: order.plant,
    materialCode: code,
    // The last part takes the remainder, so the parts add up to the order exactly.
    quantity: i === parts - 1 ? roundQuantity(total - share * (parts - 1)) : share,
    unit: row.mesUnit,
    plannedStart: new Date(start + i * span).toISOString(),
    plannedEnd: new Date(start + (i + 1) * span).toISOString(),
    segments,
  }));
}

async function release(svc: IntegrityServices, mapping: MaterialMapping, id: string): Promise<string> {
  const order = (await svc.erp.ordersByIds([id]))[0];
  if (!order) throw badUserInput(`The ERP has no production order ${id}.`, 'id');
  const existing = await svc.mes.jobOrdersByErpOrders([id]);
  const ours = existing.some((j) => j.externalReference?.startsWith(`${id}/`));
  if (order.status !== 'CREATED' && order.status !== 'RELEASED') {
    // Released long ago and already in production: nothing left to do, and nothing to undo.
    if (existing.length) return id;
    throw badUserInput(`ERP order ${id} is ${order.status}: only CREATED orders are released.`, 'id');
  }
  // Work orders someone else scheduled are left alone; ours are (re)sent, each keyed, so a crash
  // between two creations is repaired by running again.
  if (existing.length === 0 || ours) {
    const routing = await svc.erp.routingByOrders([id]);
    const created: string[] = [];
    for (const job of planWorkOrders(order, routing, mapping, svc.config.maxWorkOrderQuantity)) created.push((await svc.mesWriter.createJobOrder(job)).id);
    await svc.afterWrite.mesJobs(id, created);
  }
  // The ERP says RELEASED only once the shop floor has the work (schedule down first, then release).
  if (order.status === 'CREATED') {
    await svc.erpWriter.setOrderStatus(id, 'RELEASED');
    await svc.afterWrite.erpOrder(id);
  }
  return id;
}

/** releaseProductionOrder: work orders in the MES from the ERP order and routing, then the ERP release. */
export async function releaseProductionOrder(svc: IntegrityServices, mapping: MaterialMapping, rawId: string, key: string): Promise<{ id: string }> {
  checkIdempotencyKey(key);
  const id = normaliseOrderId(rawId);
  if (id === undefined) throw badUserInput('"id" is not an ERP order number.', 'id');
  const result = await idempotent(svc.idempotency, `release:${key}`, JSON.stringify(['release', id]), () => release(svc, mapping, id), { leaseMs: svc.leaseMs });
  return { id: result };
}
