import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, gql, startHub, type GraphQLResponse, type Hub } from './support/hub.ts';
import { callerWith, RESTRICTED, signedPost } from './support/security.ts';

/**
 * Field-level authorization: every role against every restricted field, through the gateway (root
 * fields and the entity hops the gateway plans), and `_entities` fetched straight from a subgraph.
 */
const ROLES = ['anonymous', 'planner', 'supervisor', 'operator', 'quality', 'finance', 'engineer', 'admin'] as const;
const GRANTS: Record<(typeof ROLES)[number], string[]> = {
  anonymous: [],
  planner: ['production:write'],
  supervisor: ['production:write'],
  operator: ['production:write'],
  quality: ['engineering:read'],
  finance: ['finance:read'],
  engineer: ['engineering:read'],
  admin: ['finance:read', 'engineering:read', 'production:write'],
};

const MATRIX = `
query Matrix($order: ID!, $wo: ID!) {
  productionOrder(id: $order) { id status plannedCost actualCost material { id description standardCost } }
  workOrder(id: $wo) {
    id status
    operations { sequence status processParameters { name value unit lowerLimit upperLimit } }
    qualityResults { id value lowerLimit upperLimit }
    productionOrder { id plannedCost }
  }
}`;

/** Where each restricted field shows up in the matrix response (first occurrence). */
const PATHS: Record<keyof typeof RESTRICTED, (string | number)[]> = {
  'Material.standardCost': ['productionOrder', 'material', 'standardCost'],
  'ProductionOrder.plannedCost': ['productionOrder', 'plannedCost'],
  'ProductionOrder.actualCost': ['productionOrder', 'actualCost'],
  'Operation.processParameters': ['workOrder', 'operations', 0, 'processParameters'],
  'QualityResult.lowerLimit': ['workOrder', 'qualityResults', 0, 'lowerLimit'],
  'QualityResult.upperLimit': ['workOrder', 'qualityResults', 0, 'upperLimit'],
};

const at = (data: unknown, path: (string | number)[]) =>
  path.reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string | number, unknown>)[k]), data);

describe('restricted fields by role', () => {
  let hub: Hub;
  let vars: { order: string; wo: string };
  const answers = new Map<string, GraphQLResponse>();

  beforeAll(async () => {
    hub = await startHub();
    const find = await gql(
      hub.gateway,
      '{ productionOrders(first: 100, status: [RELEASED, PARTIALLY_CONFIRMED, CONFIRMED]) { edges { node { id workOrders { id qualityResults { id } operations { sequence } } } } } }',
      undefined,
      await hub.as(['admin']),
    );
    const nodes = find.body.data!.productionOrders.edges.map((e: any) => e.node);
    const pick = nodes.flatMap((n: any) => n.workOrders.filter((w: any) => w.qualityResults.length && w.operations.length).map((w: any) => ({ order: n.id, wo: w.id })));
    expect(pick.length).toBeGreaterThan(0);
    vars = pick[0];
    for (const role of ROLES) {
      const headers = role === 'anonymous' ? {} : await hub.as([role]);
      answers.set(role, await gql(hub.gateway, MATRIX, vars, headers));
    }
  });
  afterAll(() => hub?.close());

  for (const role of ROLES) {
    for (const [coordinate, scope] of Object.entries(RESTRICTED) as [keyof typeof RESTRICTED, string][]) {
      const allowed = GRANTS[role].includes(scope);
      it(`${role} ${allowed ? 'reads' : 'is refused'} ${coordinate}`, () => {
        const res = answers.get(role)!;
        expect(res.status).toBe(200);
        // The rest of the query answers either way.
        expect(res.body.data?.productionOrder?.id).toBe(vars.order);
        expect(res.body.data?.workOrder?.id).toBe(vars.wo);
        const value = at(res.body.data, PATHS[coordinate]);
        const errorsHere = (res.body.errors ?? []).filter((e) => JSON.stringify(e.path) === JSON.stringify(PATHS[coordinate]));
        if (allowed) {
          expect(value).not.toBeNull();
          expect(value).toBeDefined();
          expect(errorsHere).toEqual([]);
        } else {
          expect(value).toBeNull();
          expect(errorsHere).toHaveLength(1);
          expect(errorsHere[0]!.extensions?.code).toBe('FORBIDDEN');
          expect(errorsHere[0]!.message).toContain(scope);
        }
      });
    }
  }

  it('a reader with every scope gets the source systems\' own values, not just numbers', async () => {
    const data = answers.get('admin')!.body.data!;
    const order = await getJson(`${hub.erpApi}/odata/ProductionOrders('${vars.order.padStart(12, '0')}')`);
    const material = await getJson(`${hub.erpApi}/odata/Materials('${order.Material}')`);
    expect(data.productionOrder).toMatchObject({ plannedCost: order.PlannedCost, actualCost: order.ActualCost });
    expect(data.productionOrder.material.standardCost).toBe(material.StandardCost);
    const job = await getJson(`${hub.mesApi}/api/v1/job-orders/${vars.wo}`);
    const params = (ops: any[]) => Object.fromEntries(ops.map((o) => [o.sequence, o.processParameters ?? o.parameters]));
    const limits = ({ name, value, unit, lowerLimit, upperLimit }: any) => ({ name, value, unit, lowerLimit, upperLimit });
    const raw = params(job.segments);
    for (const seq of Object.keys(raw)) raw[seq] = raw[seq].map(limits);
    expect(params(data.workOrder.operations)).toEqual(raw);
    expect(Object.values(raw).flat().length).toBeGreaterThan(0);
    const quality = (await getJson(`${hub.mesApi}/api/v1/quality-results?jobOrders=${vars.wo}`)).items;
    const q = (list: any[]) => list.map(({ id, value, lowerLimit, upperLimit }: any) => ({ id, value, lowerLimit, upperLimit })).sort((a, b) => a.id.localeCompare(b.id));
    expect(q(data.workOrder.qualityResults)).toEqual(q(quality));
    expect(quality.some((r: any) => r.lowerLimit !== null || r.upperLimit !== null)).toBe(true);
  });

  it('an entity hop (work order -> its ERP order, planned through _entities) is guarded too', () => {
    expect(answers.get('planner')!.body.data!.workOrder.productionOrder.plannedCost).toBeNull();
    // The same order as the root field, whose value is checked against the ERP's record above.
    expect(answers.get('finance')!.body.data!.workOrder.productionOrder.plannedCost).toBe(answers.get('admin')!.body.data!.productionOrder.plannedCost);
  });

  it('a scope in the token\'s `scope` claim counts like one from a role', async () => {
    const token = await hub.token({ sub: 'svc-report', scope: 'finance:read' });
    const res = await gql(hub.gateway, '{ material(id: "1") { id } productionOrders(first: 1) { edges { node { plannedCost } } } }', undefined, {
      authorization: `Bearer ${token}`,
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.productionOrders.edges[0].node.plannedCost).toEqual(expect.any(Number));
  });

  it('_entities sent straight to a subgraph cannot read a restricted field without the scope', async () => {
    const query = { query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Material { id standardCost } } }', variables: { r: [{ __typename: 'Material', id: (answers.get('admin')!.body.data!.productionOrder.material.id) }] } };
    const anon = await signedPost(hub, hub.erpSubgraph, query);
    expect(anon.status).toBe(200);
    expect(anon.json.data._entities[0].standardCost).toBeNull();
    expect(anon.json.errors[0].extensions.code).toBe('FORBIDDEN');
    const finance = await signedPost(hub, hub.erpSubgraph, query, { caller: callerWith(['finance:read']) });
    expect(finance.json.errors).toBeUndefined();
    expect(finance.json.data._entities[0].standardCost).toBe(answers.get('admin')!.body.data!.productionOrder.material.standardCost);
  });

  it('MES _entities: process parameters of a work order need engineering:read', async () => {
    const query = { query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on WorkOrder { id operations { processParameters { value } } } } }', variables: { r: [{ __typename: 'WorkOrder', id: vars.wo }] } };
    const denied = await signedPost(hub, hub.mesSubgraph, query, { caller: callerWith(['finance:read']) });
    expect(denied.json.data._entities[0].operations[0].processParameters).toBeNull();
    expect(denied.json.errors.every((e: any) => e.extensions.code === 'FORBIDDEN')).toBe(true);
    const allowed = await signedPost(hub, hub.mesSubgraph, query, { caller: callerWith(['engineering:read']) });
    expect(allowed.json.errors).toBeUndefined();
    const viaGateway = answers.get('admin')!.body.data!.workOrder.operations[0].processParameters.map((x: any) => ({ value: x.value }));
    expect(viaGateway.length).toBeGreaterThan(0);
    expect(allowed.json.data._entities[0].operations[0].processParameters).toEqual(viaGateway);
  });
});
