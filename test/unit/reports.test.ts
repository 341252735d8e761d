import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { analyse } from '../../gateway/reports/catalog.ts';
import { flatten } from '../../gateway/reports/export.ts';
import { reportVariables } from '../../gateway/reports/variables.ts';
import { bucketStart, checkRange } from '../../subgraphs/mes/reports/buckets.ts';

const schema = buildSchema(`
  scalar DateTime
  enum Status { OPEN CLOSED }
  input Window { from: DateTime to: DateTime }
  type Query { orders(first: Int, after: String, status: [Status!], window: Window): Conn! rows(day: DateTime!, ok: Boolean): [Row!]! }
  type Conn { pageInfo: Info! edges: [Edge!]! }
  type Info { hasNextPage: Boolean! endCursor: String }
  type Edge { node: Order! }
  type Order { id: ID! qty: Float material: Material tags: [String!]! }
  type Material { id: ID! description: String! }
  type Row { time: DateTime! value: Float }`);

const ORDERS = `# Orders, paged.
# rows: orders.edges.node
query Orders($first: Int = 2, $after: String, $status: [Status!], $window: Window) {
  orders(first: $first, after: $after, status: $status, window: $window) { pageInfo { hasNextPage endCursor } edges { node { id qty m: material { id description } tags } } }
}`;

describe('report catalog, flattening and variables', () => {
  it('finds the rows, the columns (dotted, aliases kept), the list cells and paging', () => {
    const r = analyse('orders', ORDERS, schema);
    expect(r).toMatchObject({ rows: ['orders', 'edges'], item: ['node'], paged: true, description: 'Orders, paged.', operationName: 'Orders' });
    expect(r.columns).toEqual(['id', 'qty', 'm.id', 'm.description', 'tags']);
    expect([...r.lists]).toEqual(['tags']);
    expect(r.variables).toContainEqual({ name: 'first', type: 'Int', defaultValue: '2' });
    const rows = analyse('rows', 'query Rows($day: DateTime!) { rows(day: $day) { time value } }', schema);
    expect(rows).toMatchObject({ rows: ['rows'], item: [], paged: false, columns: ['time', 'value'] });
  });

  it('refuses files that are not one named query reaching a list', () => {
    expect(() => analyse('x', '{ rows(day: "d") { time } }', schema)).toThrow(/one named query/);
    expect(() => analyse('x', 'query Q { rows { time } }', schema)).toThrow(/does not validate/);
    expect(() => analyse('x', '# rows: orders.pageInfo\nquery Q { orders { pageInfo { hasNextPage } } }', schema)).toThrow(/no list/);
    expect(() => analyse('Bad_Name', 'query Q { rows(day: "d") { time } }', schema)).toThrow(/file name/);
  });

  it('flattens a row: dotted paths, JSON for lists, null for what is missing', () => {
    const r = analyse('orders', ORDERS, schema);
    expect(flatten({ id: '1', qty: 2.5, m: { id: 'M', description: 'a "b", c' }, tags: ['x', 'y'] }, r)).toEqual({ id: '1', qty: 2.5, 'm.id': 'M', 'm.description': 'a "b", c', tags: '["x","y"]' });
    expect(flatten({ id: '2', qty: null, m: null, tags: [] }, r)).toEqual({ id: '2', qty: null, 'm.id': null, 'm.description': null, tags: '[]' });
  });

  it('reads query-string variables by their types and refuses bad ones with BAD_USER_INPUT', () => {
    const r = analyse('orders', ORDERS, schema);
    const vars = (q: string) => reportVariables(r, new URLSearchParams(q), schema);
    expect(vars('first=10&status=OPEN,CLOSED&window={"from":"2025-01-01"}&bom=1')).toEqual({ first: 10, status: ['OPEN', 'CLOSED'], window: { from: '2025-01-01' } });
    for (const bad of ['first=ten', 'first=1.5', 'status=LOST', 'nope=1', 'first=1&first=2', 'window={"size":1}']) {
      expect(() => vars(bad), bad).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    }
    const rows = analyse('rows', 'query Rows($day: DateTime!, $ok: Boolean) { rows(day: $day, ok: $ok) { time } }', schema);
    expect(() => reportVariables(rows, new URLSearchParams('ok=true'), schema)).toThrow(/day/);
    expect(reportVariables(rows, new URLSearchParams('day=2025-06-01&ok=false'), schema)).toEqual({ day: '2025-06-01', ok: false });
  });
});

describe('report time buckets', () => {
  it('starts days at 00:00Z, weeks on Monday, months on the first', () => {
    const t = '2025-06-04T17:30:00Z'; // a Wednesday
    expect(new Date(bucketStart(t, 'DAY')).toISOString()).toBe('2025-06-04T00:00:00.000Z');
    expect(new Date(bucketStart(t, 'WEEK')).toISOString()).toBe('2025-06-02T00:00:00.000Z');
    expect(new Date(bucketStart('2025-06-01T10:00:00Z', 'WEEK')).toISOString()).toBe('2025-05-26T00:00:00.000Z');
    expect(new Date(bucketStart(t, 'MONTH')).toISOString()).toBe('2025-06-01T00:00:00.000Z');
  });

  it('takes ISO 8601 or epoch milliseconds and refuses reversed, unreadable or huge ranges', () => {
    expect(checkRange('2025-06-01T00:00:00Z', 1748822400000)).toEqual({ from: 1748736000000, to: 1748822400000 });
    expect(checkRange(null, '1748822400000')).toEqual({ from: undefined, to: 1748822400000 });
    for (const [f, t] of [['2025-06-02', '2025-06-01'], ['soon', null], ['1000', '2000'], ['2025-01-01', '2026-03-01']] as const) {
      expect(() => checkRange(f, t)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    }
  });
});
