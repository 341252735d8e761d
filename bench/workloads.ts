/** What `npm run bench -- throughput` asks every gateway. */
import { FIRST_QUERY, ORDER_QUERY } from '../gateway/examples.ts';

/** A page of orders as a production board or an order list shows it: ERP plan and MES progress. */
export const ORDER_PAGE_QUERY = `query OrderPage($first: Int!, $after: String) {
  productionOrders(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id
        status
        plannedQuantity
        confirmedQuantity
        unit
        producedQuantity
        progress
        material { id description }
        workOrders { id status }
      }
    }
  }
}`;

export interface Workload {
  key: string;
  name: string;
  query: string;
  variables: Record<string, unknown>;
  connections: number;
}

export const WORKLOADS: Workload[] = [
  { key: 'page50', name: '50-order page (ORDER_PAGE_QUERY, first: 50), 16 clients', query: ORDER_PAGE_QUERY, variables: { first: 50 }, connections: 16 },
  { key: 'readme', name: "README's cross-system query (FirstLook, 5 orders), 16 clients", query: FIRST_QUERY, variables: {}, connections: 16 },
  { key: 'order', name: 'one order (ORDER_QUERY, 1000045), 16 clients', query: ORDER_QUERY, variables: { id: '1000045' }, connections: 16 },
  { key: 'page500', name: '500-order page (ORDER_PAGE_QUERY, first: 500), 16 clients', query: ORDER_PAGE_QUERY, variables: { first: 500 }, connections: 16 },
  { key: 'board100', name: '50-order page polled by 100 board-like clients (one keep-alive socket each)', query: ORDER_PAGE_QUERY, variables: { first: 50 }, connections: 100 },
];
