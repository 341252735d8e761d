import { readFileSync } from 'node:fs';
import { buildASTSchema, Kind, parse, type FieldNode, type FragmentDefinitionNode, type GraphQLObjectType, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { planFederatedQuery, TOTALS_KEY } from '../../gateway/subscriptions/plan.ts';
import { collectFields } from '../../gateway/subscriptions/selection.ts';
import type { HubEvent } from '../../lib/events/types.ts';

/** The event types as the gateway's schema has them (the MES subgraph's SDL declares them). */
const schema = buildASTSchema(parse(`
  scalar DateTime
  enum ProductionEventKind { STARTED PROGRESS COMPLETED STATUS }
  type ProductionOrder { id: ID! }
  type WorkOrder { id: ID! }
  ${/type ProductionProgressEvent \{[^}]*\}/.exec(readFileSync(new URL('../../schema/mes.graphql', import.meta.url), 'utf8'))![0]}
  type Query { x: Int }
  type T { a: Int x: Int y: Int z: Int w: Int v: Int }
  type Other { y: Int }
`), { assumeValidSDL: true });
const eventType = schema.getType('ProductionProgressEvent') as GraphQLObjectType;

/** The federated read planner of subscription payloads, from the client's operation text. */
function plan(text: string, variables: Record<string, unknown> = {}) {
  const doc = parse(text);
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const root = operation.selectionSet.selections[0] as FieldNode;
  return planFederatedQuery(schema, eventType, [root], operation, fragments, variables);
}

const EVENT = {
  id: '1718000000000-0', type: 'ProductionProgress', productionOrderId: '1000045', workOrderId: 'WO-000001', equipmentId: 'EQ-1',
} as unknown as HubEvent;

/** The query's text with whitespace runs folded, for readable comparisons. */
const flat = (q: string | undefined) => q?.replace(/\s+/g, ' ').trim();

describe('planFederatedQuery', () => {
  it('needs no read when the event alone answers the selection', () => {
    const p = plan('subscription { productionOrderProgress { eventId occurredAt kind goodQuantityDelta } }');
    expect(p).toMatchObject({ query: undefined, key: '' });
    expect(p.variables(EVENT)).toEqual({});
  });

  it('reads an entity under the client\'s response key with the event\'s id', () => {
    const p = plan('subscription { productionOrderProgress { eventId po: productionOrder { id plannedQuantity } workOrder { status } } }');
    expect(flat(p.query)).toBe(
      'query HubSubscriptionEvent($_hubOrder: ID!, $_hubWorkOrder: ID!) { po: productionOrder(id: $_hubOrder) { id plannedQuantity } workOrder: workOrder(id: $_hubWorkOrder) { status } }',
    );
    expect(p.variables(EVENT)).toEqual({ _hubOrder: '1000045', _hubWorkOrder: 'WO-000001' });
    expect(() => parse(p.query!)).not.toThrow();
  });

  it('asks for the order\'s totals when producedQuantity or progress is selected', () => {
    const p = plan('subscription { productionOrderProgress { progress } }');
    expect(flat(p.query)).toBe(`query HubSubscriptionEvent($_hubOrder: ID!) { ${TOTALS_KEY}: productionOrder(id: $_hubOrder) { producedQuantity progress } }`);
  });

  it('reads several events in one query, each under its own prefix and ids, and splits the answer back per event', () => {
    const p = plan('subscription($s: Boolean!) { productionOrderProgress { po: productionOrder { id status @include(if: $s) } progress } }', { s: true });
    const second = { ...EVENT, id: '1718000000001-0', productionOrderId: '1000046' } as HubEvent;
    const b = p.batch([EVENT, second]);
    expect(flat(b.query)).toBe(
      'query HubSubscriptionEvent($_hubOrder_0: ID!, $_hubOrder_1: ID!, $s: Boolean!) { ' +
        '_e0_po: productionOrder(id: $_hubOrder_0) { id status @include(if: $s) } ' +
        `_e0_${TOTALS_KEY}: productionOrder(id: $_hubOrder_0) { producedQuantity progress } ` +
        '_e1_po: productionOrder(id: $_hubOrder_1) { id status @include(if: $s) } ' +
        `_e1_${TOTALS_KEY}: productionOrder(id: $_hubOrder_1) { producedQuantity progress } }`,
    );
    expect(b.variables).toEqual({ s: true, _hubOrder_0: '1000045', _hubOrder_1: '1000046' });
    expect(() => parse(b.query)).not.toThrow();
    const unavailable = { message: 'MES down', path: ['_e1_po', 'status'], extensions: { code: 'UPSTREAM_UNAVAILABLE' } };
    const general = { message: 'partial', extensions: { code: 'X' } };
    const [first, other] = b.split({
      data: { _e0_po: { id: '1000045', status: 'REL' }, [`_e0_${TOTALS_KEY}`]: { progress: 0.5 }, _e1_po: { id: '1000046', status: null }, [`_e1_${TOTALS_KEY}`]: null },
      errors: [unavailable, general],
    });
    expect(first).toEqual({ data: { po: { id: '1000045', status: 'REL' }, [TOTALS_KEY]: { progress: 0.5 } }, errors: [general] });
    expect(other).toEqual({ data: { po: { id: '1000046', status: null }, [TOTALS_KEY]: null }, errors: [{ ...unavailable, path: ['po', 'status'] }, general] });
    // Three events are read as four (the last one twice): one query shape per power of two.
    const third = { ...EVENT, id: '1718000000002-0', productionOrderId: '1000047' } as HubEvent;
    const padded = p.batch([EVENT, second, third]);
    expect(padded.query).toBe(p.batch([EVENT, second, third, third]).query);
    expect(padded.variables).toMatchObject({ _hubOrder_2: '1000047', _hubOrder_3: '1000047' });
    expect(padded.split({ data: {}, errors: [] })).toHaveLength(3);
    // A request that failed as a whole fails every event of it.
    expect(b.split({ data: null, errors: [general] })).toEqual([{ data: null, errors: [general] }, { data: null, errors: [general] }]);
  });

  it('carries the fragments and client variables the sub-selection uses, and only those', () => {
    const p = plan(
      `subscription($plant: ID, $withStock: Boolean!, $unused: Int) { productionOrderProgress(plant: $plant) {
         productionOrder { ...Order }
       } }
       fragment Order on ProductionOrder { id material { ...Mat stock @include(if: $withStock) { quantity } } }
       fragment Mat on Material { description }
       fragment Unused on ProductionOrder { status }`,
      { plant: '1000', withStock: true, unused: 1 },
    );
    expect(p.query).toContain('$withStock: Boolean!');
    expect(p.query).not.toContain('$unused');
    expect(p.query).not.toContain('$plant');
    expect(p.query).toContain('fragment Order on ProductionOrder');
    expect(p.query).toContain('fragment Mat on Material');
    expect(p.query).not.toContain('Unused');
    expect(p.variables(EVENT)).toEqual({ withStock: true, _hubOrder: '1000045' });
  });

  it('gives equal selections the same key and different variable values different keys', () => {
    const q = 'subscription($s: Boolean!) { productionOrderProgress { productionOrder { id status @include(if: $s) } } }';
    expect(plan(q, { s: true }).key).toBe(plan(q, { s: true }).key);
    expect(plan(q, { s: true }).key).not.toBe(plan(q, { s: false }).key);
  });

  it('leaves out entity fields skipped by @skip/@include', () => {
    const p = plan('subscription($no: Boolean!) { productionOrderProgress { eventId productionOrder @include(if: $no) { id } } }', { no: false });
    expect(p.query).toBeUndefined();
  });
});

describe('collectFields', () => {
  it('groups by response key, expands fragments once, and applies type conditions and directives', () => {
    const doc = parse(`{ a: x ...F ... on Other { y } ... on T { z @skip(if: true) w } x ...F }
      fragment F on T { v }`);
    const op = doc.definitions[0] as OperationDefinitionNode;
    const fragments = { F: doc.definitions[1] as FragmentDefinitionNode };
    const fields = collectFields(schema, schema.getType('T') as GraphQLObjectType, [op.selectionSet], fragments, {});
    expect([...fields.keys()]).toEqual(['a', 'v', 'w', 'x']);
    expect(fields.get('v')).toHaveLength(1);
  });
});
