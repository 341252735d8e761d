/** The two writes the demo ERP accepts: confirmations from the shop floor, and order status changes. */
import { HttpError } from '../common/http.ts';
import { bookConfirmation } from '../plant.ts';
import type { ErpConfirmation, ErpOperation, ErpOrder, ErpOrderStatus } from '../plant/types.ts';
import type { ErpStore } from './store.ts';

const CONFIRMABLE = new Set<ErpOrderStatus>(['RELEASED', 'PARTIALLY_CONFIRMED', 'CONFIRMED', 'TECHNICALLY_COMPLETED']);

/** Status changes an ERP user may make by hand; the confirmed states follow from confirmations. */
const TRANSITIONS: Partial<Record<ErpOrderStatus, readonly ErpOrderStatus[]>> = {
  CREATED: ['RELEASED'],
  RELEASED: ['TECHNICALLY_COMPLETED'],
  PARTIALLY_CONFIRMED: ['TECHNICALLY_COMPLETED'],
  CONFIRMED: ['TECHNICALLY_COMPLETED'],
  TECHNICALLY_COMPLETED: ['CLOSED'],
};

function field<T>(body: Record<string, unknown>, name: string, type: 'string' | 'number', required: boolean): T | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw new HttpError(400, `${name} is required`);
    return undefined;
  }
  if (typeof v !== type) throw new HttpError(400, `${name} must be a ${type}`);
  if (type === 'number' && (!Number.isFinite(v) || (v as number) < 0)) throw new HttpError(400, `${name} must be a non-negative number`);
  return v as T;
}

export function postConfirmation(store: ErpStore, body: Record<string, unknown>, now: Date): ErpConfirmation {
  const allowed = new Set(['OrderNumber', 'Operation', 'Yield', 'Scrap', 'Unit', 'ExternalReference', 'ConfirmationId', 'PostedAt']);
  for (const k of Object.keys(body)) if (!allowed.has(k)) throw new HttpError(400, `unknown field '${k}' in ProductionOrderConfirmations`);
  const orderNumber = field<string>(body, 'OrderNumber', 'string', true) as string;
  const operation = field<string>(body, 'Operation', 'string', true) as string;
  const yieldQty = field<number>(body, 'Yield', 'number', true) as number;
  const scrap = field<number>(body, 'Scrap', 'number', false) ?? 0;
  const unit = field<string>(body, 'Unit', 'string', false);
  const reference = field<string>(body, 'ExternalReference', 'string', false) ?? null;

  const order = store.set('ProductionOrders').table.get(orderNumber) as ErpOrder | undefined;
  if (!order) throw new HttpError(400, `production order '${orderNumber}' does not exist`);
  const operations = store.set('ProductionOrderOperations').table.lookup('OrderNumber', [orderNumber]) as ErpOperation[];
  if (!operations.some((o) => o.Operation === operation)) throw new HttpError(400, `order ${orderNumber} has no operation '${operation}'`);
  if (!CONFIRMABLE.has(order.Status)) throw new HttpError(400, `order ${orderNumber} is ${order.Status}: it cannot be confirmed`);
  if (unit !== undefined && unit !== order.Unit) throw new HttpError(400, `unit ${unit} differs from the order unit ${order.Unit}`);

  const confirmation: ErpConfirmation = {
    ConfirmationId: store.nextConfirmationId(),
    OrderNumber: orderNumber,
    Operation: operation,
    Yield: yieldQty,
    Scrap: scrap,
    Unit: order.Unit,
    ExternalReference: reference,
    PostedAt: now.toISOString(),
  };
  const material = store.set('Materials').table.get(order.Material);
  const cost = typeof material?.StandardCost === 'number' ? material.StandardCost : 0;
  bookConfirmation(order, operations, confirmation, cost, { moveStatus: true });
  store.set('ProductionOrderConfirmations').table.upsert(confirmation);
  return confirmation;
}

export function patchOrder(store: ErpStore, key: string, body: Record<string, unknown>, now: Date): ErpOrder {
  const order = store.set('ProductionOrders').table.get(key) as ErpOrder | undefined;
  if (!order) throw new HttpError(404, `ProductionOrders('${key}') does not exist`);
  for (const k of Object.keys(body)) if (k !== 'Status') throw new HttpError(400, `only Status can be changed, not '${k}'`);
  const target = field<string>(body, 'Status', 'string', true) as ErpOrderStatus;
  if (target === order.Status) return order;
  if (!TRANSITIONS[order.Status]?.includes(target)) throw new HttpError(400, `order ${key} cannot go from ${order.Status} to ${target}`);
  order.Status = target;
  order.LastChangedAt = now.toISOString();
  if (target === 'RELEASED') {
    for (const op of store.set('ProductionOrderOperations').table.lookup('OrderNumber', [key]) as ErpOperation[]) {
      if (op.Status === 'CREATED') op.Status = 'RELEASED';
    }
  }
  return order;
}
