/**
 * The part of the due-status rule both subgraphs need: the MES subgraph computes `dueStatus`
 * (subgraphs/mes/due.ts), and the ERP subgraph, which owns the `productionOrders` list, uses this set to
 * skip asking about orders that cannot be anything but ON_TIME.
 */
export type DueStatus = 'ON_TIME' | 'AT_RISK' | 'LATE';

/** ERP statuses after which nothing is due any more: delivered (or written off), always ON_TIME. */
export const DELIVERED_STATUSES: ReadonlySet<string> = new Set(['CONFIRMED', 'TECHNICALLY_COMPLETED', 'CLOSED']);
