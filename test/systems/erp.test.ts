import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilterError, compileFilter, parseFilter } from '../../systems/erp/odata/filter.ts';
import { get, send, startErp, type Json, type Running } from './support.ts';

let erp: Running;
let odata: string;
const q = (set: string, params: Record<string, string>): string => `${odata}/${set}?${new URLSearchParams(params)}`;

beforeAll(async () => {
  erp = await startErp();
  odata = `${erp.url}/odata`;
});
afterAll(() => erp.close());

describe('$filter parser', () => {
  const fields = { A: 'string', N: 'number', B: 'boolean' } as const;
  const match = (filter: string, row: Record<string, string | number | boolean | null>) => compileFilter(parseFilter(filter, fields))(row);

  it('reads comparisons, logic, parentheses, in and literals', () => {
    expect(match("A eq 'x' and N gt 2", { A: 'x', N: 3 })).toBe(true);
    expect(match("not (A eq 'x') or N le -1.5", { A: 'x', N: -2 })).toBe(true);
    expect(match("A in ('a','b') and B eq true", { A: 'b', B: true })).toBe(true);
    expect(match('A eq null', { A: null })).toBe(true);
    expect(match('N ge 1e2', { N: 100 })).toBe(true);
    expect(match('B', { B: true })).toBe(true);
  });

  it("keeps an escaped quote inside the literal: '') or 1 eq 1 or ('' is just text", () => {
    const filter = "A eq ''') or 1 eq 1 or ('''";
    expect(match(filter, { A: 'zzz' })).toBe(false);
    expect(match(filter, { A: "') or 1 eq 1 or ('" })).toBe(true);
  });

  it.each([
    ["A eq 'open", /unterminated/],
    ['Missing eq 1', /unknown field/],
    ["A eq 1", /type mismatch/],
    ["contains(A,'x')", /not supported/],
    ["A eq 'x' and", /expected a field or a literal/],
    ["(A eq 'x'", /expected '\)'/],
    ["A eq 'x' A", /unexpected/],
    ['A in ()', /expected a literal/],
    ['A eq $x', /unexpected/],
    ['', /empty/],
  ])('rejects %s', (filter, message) => {
    expect(() => parseFilter(filter, fields)).toThrow(FilterError);
    expect(() => parseFilter(filter, fields)).toThrow(message);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(() => parseFilter(`${'('.repeat(5000)}A eq 'x'${')'.repeat(5000)}`, fields)).toThrow(/nested too deeply/);
  });
});

describe('demo ERP OData API', () => {
  it('pages collections by 200 with an absolute-path nextLink and counts on request', async () => {
    const first = await get(q('ProductionOrders', { $count: 'true', $select: 'OrderNumber' }));
    expect(first.status).toBe(200);
    expect(first.body['@odata.count']).toBeGreaterThanOrEqual(1000);
    expect(first.body.value).toHaveLength(200);
    expect(first.body['@odata.nextLink']).toMatch(/^\/odata\/ProductionOrders\?.*\$skip=200/);
    const ids = first.body.value.map((o: Json) => o.OrderNumber);
    expect([...ids].sort()).toEqual(ids);
    const next = await get(`${erp.url}${first.body['@odata.nextLink']}`);
    expect(next.body.value[0].OrderNumber > ids[199]).toBe(true);
    expect(Object.keys(next.body.value[0])).toEqual(['OrderNumber']);
  });

  it('continues a $top above the page size through nextLink and stops at $top', async () => {
    const first = await get(q('Materials', { $top: '250' }));
    expect(first.body.value).toHaveLength(200);
    const next = await get(`${erp.url}${first.body['@odata.nextLink']}`);
    expect(next.body.value).toHaveLength(50);
    expect(next.body['@odata.nextLink']).toBeUndefined();
  });

  it('honours Prefer: odata.maxpagesize (capped at 10,000) and says so in Preference-Applied', async () => {
    const asked = await fetch(q('ProductionOrders', { $select: 'OrderNumber' }), { headers: { prefer: 'odata.maxpagesize=700' } });
    expect(asked.headers.get('preference-applied')).toBe('odata.maxpagesize=700');
    const body = (await asked.json()) as Json;
    expect(body.value).toHaveLength(700);
    expect(body['@odata.nextLink']).toMatch(/\$skip=700/);
    const capped = await fetch(q('ProductionOrders', { $select: 'OrderNumber' }), { headers: { prefer: 'odata.maxpagesize=99999999' } });
    expect(capped.headers.get('preference-applied')).toBe('odata.maxpagesize=10000');
    const plain = await fetch(q('ProductionOrders', { $select: 'OrderNumber' }), { headers: { prefer: 'return=minimal' } });
    expect(plain.headers.get('preference-applied')).toBeNull();
    expect(((await plain.json()) as Json).value).toHaveLength(200);
  });

  it('answers POST <Set>/$query (options as text/plain) exactly as the same GET, and refuses other bodies', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => `'${String(1000000 + i).padStart(12, '0')}'`);
    const options = { $filter: `OrderNumber in (${keys.join(',')})`, $select: 'OrderNumber,Status', $count: 'true', $orderby: 'OrderNumber desc' };
    const viaGet = await fetch(q('ProductionOrders', options), { headers: { prefer: 'odata.maxpagesize=1000' } });
    const viaPost = await fetch(`${odata}/ProductionOrders/$query`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', prefer: 'odata.maxpagesize=1000' },
      body: new URLSearchParams(options).toString(),
    });
    expect(viaPost.status).toBe(200);
    const posted = (await viaPost.json()) as Json;
    expect(posted).toEqual(await viaGet.json());
    expect(posted.value.length).toBeGreaterThan(100);
    expect(posted['@odata.nextLink']).toBeUndefined();

    const json = await send('POST', `${odata}/ProductionOrders/$query`, { $filter: "Plant eq '1000'" });
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe('UnsupportedMediaType');
    const onKey = await fetch(`${odata}/ProductionOrders('000001000045')/$query`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '' });
    expect(onKey.status).toBe(405);
    const bad = await fetch(`${odata}/ProductionOrders/$query`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '$filter=Nope eq 1' });
    expect(bad.status).toBe(400);
  });

  it('filters with in, and, or, not and orders by several fields', async () => {
    const keys = ['000001000045', '000001000046', '000001000999', 'nope'];
    const r = await get(q('ProductionOrders', { $filter: `OrderNumber in (${keys.map((k) => `'${k}'`).join(',')})`, $select: 'OrderNumber,Status' }));
    expect(r.body.value.map((o: Json) => o.OrderNumber)).toEqual(keys.slice(0, 3));

    const closed = await get(q('ProductionOrders', { $filter: "Status eq 'CLOSED' and (Plant eq '1000' or Plant eq '2000') and not (PlannedQuantity lt 0)", $count: 'true', $top: '0' }));
    expect(closed.body['@odata.count']).toBeGreaterThan(50);
    expect(closed.body.value).toEqual([]);

    const sorted = await get(q('ProductionOrders', { $orderby: 'Plant desc,PlannedQuantity asc', $top: '150', $select: 'Plant,PlannedQuantity' }));
    const rows = sorted.body.value as { Plant: string; PlannedQuantity: number }[];
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      expect(a.Plant > b.Plant || (a.Plant === b.Plant && a.PlannedQuantity <= b.PlannedQuantity)).toBe(true);
    }

    const ops = await get(q('ProductionOrderOperations', { $filter: "OrderNumber in ('000001000045','000001000046') and Operation eq '0010'" }));
    expect(ops.body.value).toHaveLength(2);
  });

  it('treats an injection attempt inside a literal as a literal', async () => {
    const r = await get(q('ProductionOrders', { $filter: "OrderNumber eq ''') or 1 eq 1 or ('''", $count: 'true' }));
    expect(r.status).toBe(200);
    expect(r.body['@odata.count']).toBe(0);
  });

  it.each([
    [{ $filter: 'Nope eq 1' }, /unknown field/],
    [{ $filter: "Plant eq 1000" }, /type mismatch/],
    [{ $filter: "startswith(Plant,'1')" }, /not supported/],
    [{ $select: 'OrderNumber,Nope' }, /unknown field/],
    [{ $orderby: 'Nope desc' }, /unknown field/],
    [{ $top: '-1' }, /non-negative/],
    [{ $expand: 'Operations' }, /not supported/],
  ])('answers 400 BadRequest for %o', async (params, message) => {
    const r = await get(q('ProductionOrders', params as Record<string, string>));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BadRequest');
    expect(r.body.error.message).toMatch(message);
  });

  it('looks entities up by key, composite keys included, and answers 404 in OData form', async () => {
    const one = await get(`${odata}/ProductionOrders('000001000045')`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ OrderNumber: '000001000045', '@odata.context': '/odata/$metadata#ProductionOrders/$entity' });
    const op = await get(`${odata}/ProductionOrderOperations(OrderNumber='000001000045',Operation='0010')`);
    expect(op.body.Operation).toBe('0010');
    const missing = await get(`${odata}/ProductionOrders('000009999999')`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NotFound');
    expect((await get(`${odata}/NoSuchSet`)).status).toBe(404);
    expect((await get(`${odata}/ProductionOrders(000001000045)`)).status).toBe(400);
  });

  it('books a posted confirmation on the order and moves its status', async () => {
    const released = await get(q('ProductionOrders', { $filter: "Status eq 'RELEASED'", $top: '1' }));
    const order = released.body.value[0];
    const ops = await get(q('ProductionOrderOperations', { $filter: `OrderNumber eq '${order.OrderNumber}'`, $orderby: 'Operation desc' }));
    const last = ops.body.value[0].Operation;
    const posted = await send('POST', `${odata}/ProductionOrderConfirmations`, {
      OrderNumber: order.OrderNumber, Operation: last, Yield: 2, Scrap: 1, Unit: order.Unit, ExternalReference: 'TEST-1',
    });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ OrderNumber: order.OrderNumber, Yield: 2, Scrap: 1, ExternalReference: 'TEST-1' });
    const after = await get(`${odata}/ProductionOrders('${order.OrderNumber}')`);
    expect(after.body.ConfirmedYield).toBe(order.ConfirmedYield + 2);
    expect(after.body.ConfirmedScrap).toBe(order.ConfirmedScrap + 1);
    expect(after.body.Status).toBe('PARTIALLY_CONFIRMED');
    const again = await get(`${odata}/ProductionOrderConfirmations('${posted.body.ConfirmationId}')`);
    expect(again.body.ExternalReference).toBe('TEST-1');

    const wrongUnit = await send('POST', `${odata}/ProductionOrderConfirmations`, { OrderNumber: order.OrderNumber, Operation: last, Yield: 1, Unit: 'XX' });
    expect(wrongUnit.status).toBe(400);
    const badJson = await send('POST', `${odata}/ProductionOrderConfirmations`, undefined, '{nope');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('BadRequest');
  });

  it('allows only the status changes an ERP allows', async () => {
    const created = await get(q('ProductionOrders', { $filter: "Status eq 'CREATED'", $top: '1' }));
    const key = created.body.value[0].OrderNumber;
    const released = await send('PATCH', `${odata}/ProductionOrders('${key}')`, { Status: 'RELEASED' });
    expect(released.status).toBe(200);
    expect(released.body.Status).toBe('RELEASED');
    const closed = await send('PATCH', `${odata}/ProductionOrders('${key}')`, { Status: 'CLOSED' });
    expect(closed.status).toBe(400);
    const other = await send('PATCH', `${odata}/ProductionOrders('${key}')`, { PlannedQuantity: 1 });
    expect(other.status).toBe(400);
    expect((await send('PATCH', `${odata}/ProductionOrders('000009999999')`, { Status: 'RELEASED' })).status).toBe(404);
  });
});
