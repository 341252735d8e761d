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

/** A `PeriodInput` argument as ISO instants (UTC); anything Date.parse cannot read is BAD_USER_INPUT. */
export function periodArg(
  period: { from?: string | null | undefined; to?: string | null | undefined } | null | undefined,
  name: string,
): { from?: string; to?: string } {
  const one = (v: string | null | undefined, arg: string): string | undefined => {
    if (v == null) return undefined;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw badUserInput(`"${arg}" is not an ISO 8601 date-time.`, arg);
    return new Date(ms).toISOString();
  };
  const from = one(period?.from, `${name}.from`);
  const to = one(period?.to, `${name}.to`);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
