import { badUserInput } from './errors.ts';

/**
 * Relay-style paging shared by every list. Cursors are opaque (base64url of a kind and an offset) so
 * that the paging strategy can change without breaking clients; a cursor from another list is refused.
 */
export const MAX_PAGE_SIZE = 500;

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export function pageArgs(kind: string, first: number | null | undefined, after: string | null | undefined) {
  const limit = first ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw badUserInput(`"first" must be between 1 and ${MAX_PAGE_SIZE}, got ${limit}.`, 'first');
  }
  let offset = 0;
  if (after != null) {
    const decoded = Buffer.from(after, 'base64url').toString('utf8');
    const m = /^([a-z]+):(\d{1,9})$/.exec(decoded);
    if (!m || m[1] !== kind) throw badUserInput('"after" is not a cursor of this list.', 'after');
    offset = Number(m[2]) + 1;
  }
  return { offset, limit };
}

export function toConnection<T>(kind: string, items: T[], offset: number, total: number): Connection<T> {
  const edges = items.map((node, i) => ({ cursor: Buffer.from(`${kind}:${offset + i}`).toString('base64url'), node }));
  const last = edges[edges.length - 1];
  return {
    edges,
    pageInfo: { hasNextPage: offset + items.length < total, endCursor: last ? last.cursor : null },
    totalCount: total,
  };
}
