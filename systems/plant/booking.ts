import { round2, round3 } from './catalog.ts';
import type { ErpConfirmation, ErpOperation, ErpOrder } from './types.ts';

/**
 * Books a confirmation the way the demo ERP does, used by the generator and by the live POST alike.
 * The order's yield is what its last operation confirmed (earlier operations pass the same units on);
 * scrap adds up over all operations.
 */
export function bookConfirmation(
  order: ErpOrder,
  operations: readonly ErpOperation[],
  c: ErpConfirmation,
  standardCost: number,
  options: { moveStatus: boolean },
): void {
  const op = operations.find((o) => o.Operation === c.Operation);
  if (op) {
    op.ConfirmedYield = round3(op.ConfirmedYield + c.Yield);
    op.ConfirmedScrap = round3(op.ConfirmedScrap + c.Scrap);
    op.Status = op.ConfirmedYield >= order.PlannedQuantity ? 'CONFIRMED' : 'PARTIALLY_CONFIRMED';
  }
  if (lastOperation(operations)?.Operation === c.Operation) order.ConfirmedYield = round3(order.ConfirmedYield + c.Yield);
  order.ConfirmedScrap = round3(order.ConfirmedScrap + c.Scrap);
  order.ActualCost = round2((order.ConfirmedYield + order.ConfirmedScrap) * standardCost);
  if (c.PostedAt > order.LastChangedAt) order.LastChangedAt = c.PostedAt;
  if (options.moveStatus && (order.Status === 'RELEASED' || order.Status === 'PARTIALLY_CONFIRMED')) {
    order.Status = order.ConfirmedYield >= order.PlannedQuantity ? 'CONFIRMED' : 'PARTIALLY_CONFIRMED';
  }
}

export function lastOperation(operations: readonly ErpOperation[]): ErpOperation | undefined {
  let last: ErpOperation | undefined;
  for (const op of operations) if (!last || op.Operation > last.Operation) last = op;
  return last;
}
