/**
 * Every standard client with its default options against the hub in production mode (separate
 * processes, NODE_ENV=production, RS256 tokens from a JWKS served over HTTP, Redis), and the key checks
 * again against the demo. Each answer equals a raw request; each refusal carries its code.
 */
import { ApolloGateway } from '@apollo/gateway';
import { readFileSync } from 'node:fs';
import { buildClientSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, gql, startHub, type Hub } from '../support/hub.ts';
import { type Json } from '../support/live.ts';
import { startProductionPlant, type ProductionPlant } from '../support/production.ts';
import {
  apolloDoc,
  apolloHttp,
  apolloWs,
  codeOf,
  EQUIPMENT,
  EQUIPMENT_SUB,
  graphqlRequest,
  oneEquipmentEvent,
  ORDER,
  raw,
  sseClient,
  urql,
  withoutTypename,
  wsClientFor,
  type Target,
} from '../support/client-checks.ts';

const ORDER_ID = '1000045';

/** The API schema clients see: @apollo/gateway's own reading of the checked-in supergraph. */
async function apiSchema(): Promise<GraphQLSchema> {
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8') });
  const { schema } = await gateway.load();
  await gateway.stop();
  return schema;
}

const sorted = (s: GraphQLSchema) => printSchema(lexicographicSortSchema(s));

/** The checks every deployment must pass, whatever its mode. */
function clientChecks(target: () => Target, equipmentIds: () => string[]) {
  it('Apollo Client 4 (HttpLink) reads the same data as a raw request', async () => {
    const t = target();
    const expected = (await raw(t, ORDER, { id: ORDER_ID })).data;
    const { data } = await apolloHttp(t).query({ query: apolloDoc(ORDER), variables: { id: ORDER_ID } });
    expect(withoutTypename(data)).toEqual(expected);
  });

  it('Apollo Client 4 (GraphQLWsLink) reads and subscribes', async () => {
    const t = target();
    const { client, ws } = apolloWs(t);
    const expected = (await raw(t, ORDER, { id: ORDER_ID })).data;
    const { data } = await client.query({ query: apolloDoc(ORDER), variables: { id: ORDER_ID } });
    expect(withoutTypename(data)).toEqual(expected);
    const id = equipmentIds()[0]!;
    const { event, rawEquipment } = await oneEquipmentEvent(t, id, (onEvent) => {
      const sub = client.subscribe({ query: apolloDoc(EQUIPMENT_SUB), variables: { id } }).subscribe({ next: (r) => onEvent((r.data as Json)?.equipmentStateChanged) });
      return () => sub.unsubscribe();
    });
    expect(withoutTypename(event.equipment)).toEqual(rawEquipment);
    await ws.dispose();
  });

  it('urql 6 (fetchExchange over GET, subscriptionExchange over graphql-ws) reads and subscribes', async () => {
    const t = target();
    const { client, ws } = urql(t);
    const expected = (await raw(t, ORDER, { id: ORDER_ID })).data;
    const result = await client.query(ORDER, { id: ORDER_ID }).toPromise();
    expect(result.error).toBeUndefined();
    expect(withoutTypename(result.data)).toEqual(expected);
    const id = equipmentIds()[1]!;
    const { event, rawEquipment } = await oneEquipmentEvent(t, id, (onEvent) => {
      const sub = client.subscription(EQUIPMENT_SUB, { id }).subscribe((r) => onEvent(r.data?.equipmentStateChanged));
      return () => sub.unsubscribe();
    });
    expect(withoutTypename(event.equipment)).toEqual(rawEquipment);
    await ws.dispose();
  });

  it('graphql-request reads the same data as a raw request', async () => {
    const t = target();
    const expected = (await raw(t, ORDER, { id: ORDER_ID })).data;
    expect(await graphqlRequest(t).request(ORDER, { id: ORDER_ID })).toEqual(expected);
  });

  // graphql-ws and graphql-sse clients share one API: subscribe(payload, sink) and dispose().
  for (const [name, connect, machine] of [
    ['graphql-ws', wsClientFor, 2],
    ['graphql-sse', sseClient, 3],
  ] as const) {
    it(`${name} queries and subscribes`, async () => {
      const t = target();
      const client = connect(t);
      const expected = (await raw(t, ORDER, { id: ORDER_ID })).data;
      const results: Json[] = [];
      await new Promise<void>((resolve, reject) =>
        client.subscribe({ query: ORDER, variables: { id: ORDER_ID } }, { next: (r) => void results.push(r), error: reject, complete: resolve }),
      );
      expect(results).toEqual([{ data: expected }]);
      const id = equipmentIds()[machine]!;
      const { event, rawEquipment } = await oneEquipmentEvent(t, id, (onEvent) =>
        client.subscribe({ query: EQUIPMENT_SUB, variables: { id } }, { next: (r) => onEvent((r.data as Json).equipmentStateChanged), error: () => undefined, complete: () => undefined }),
      );
      expect(event.equipment).toEqual(rawEquipment);
      await client.dispose();
    });
  }

  it('refusals carry their codes through every client: a forged token is UNAUTHENTICATED, a restricted field FORBIDDEN', async () => {
    const t = target();
    const forged = { authorization: 'Bearer forged.token.value' };
    await expect(apolloHttp(t, forged).query({ query: apolloDoc(ORDER), variables: { id: ORDER_ID } }).catch(codeOf)).resolves.toBe('UNAUTHENTICATED');
    await expect(graphqlRequest(t, forged).request(ORDER, { id: ORDER_ID }).catch(codeOf)).resolves.toBe('UNAUTHENTICATED');
    const urqlResult = await urql(t, forged).client.query(ORDER, { id: ORDER_ID }).toPromise();
    expect(urqlResult.error?.graphQLErrors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    const closed = await new Promise<number>((resolve) => {
      const ws = wsClientFor(t, forged);
      ws.subscribe({ query: ORDER, variables: { id: ORDER_ID } }, { next: () => undefined, error: (e) => resolve((e as { code: number }).code), complete: () => resolve(0) });
    });
    expect(closed).toBe(4401);
    const sseError = await new Promise<unknown>((resolve) =>
      sseClient(t, forged).subscribe({ query: ORDER, variables: { id: ORDER_ID } }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) }),
    );
    expect(String(sseError)).toContain('401');
    // A caller without finance:read: data where allowed, FORBIDDEN at the restricted field.
    const COST = 'query Cost($id: ID!) { productionOrder(id: $id) { id plannedCost } }';
    const rawCost = await gql(t.gateway, COST, { id: ORDER_ID }, t.auth);
    expect(rawCost.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const viaUrql = await urql(t).client.query(COST, { id: ORDER_ID }).toPromise();
    expect(viaUrql.error?.graphQLErrors[0]?.extensions.code).toBe('FORBIDDEN');
    expect(withoutTypename(viaUrql.data)).toEqual(rawCost.body.data);
    await expect(graphqlRequest(t).request(COST, { id: ORDER_ID }).catch(codeOf)).resolves.toBe('FORBIDDEN');
  });
}

const equipmentOf = async (t: Target): Promise<string[]> =>
  ((await raw(t, '{ equipmentList(plant: "1000") { id } }', {})).data!.equipmentList as { id: string }[]).slice(0, 4).map((e) => e.id);

describe('production mode: separate processes, RS256 tokens from a JWKS over HTTP, Redis', () => {
  let plant: ProductionPlant;
  let t: Target;
  let equipment: string[];
  let closedGateway: string;
  beforeAll(async () => {
    plant = await startProductionPlant({ ALLOW_INTROSPECTION: 'true' });
    closedGateway = await plant.anotherGateway({});
    t = {
      gateway: plant.gateway,
      mesApi: plant.mesApi,
      auth: await plant.as(['planner']),
      setEquipmentState: async (equipmentId, state) => void (await admin.equipmentState(plant.mesApi, { equipmentId, state })),
    };
    equipment = await equipmentOf(t);
  }, 180_000);
  afterAll(() => plant?.close(), 30_000);

  clientChecks(() => t, () => equipment);

  it('a request without a token is 401 UNAUTHENTICATED', async () => {
    const res = await gql(plant.gateway, ORDER, { id: ORDER_ID });
    expect(res.status).toBe(401);
    expect(res.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('schema download by introspection, where allowed, equals the API schema; where not, it is refused', async () => {
    const res = await gql(plant.gateway, getIntrospectionQuery(), {}, t.auth);
    expect(res.body.errors).toBeUndefined();
    expect(sorted(buildClientSchema(res.body.data as unknown as IntrospectionQuery))).toBe(sorted(await apiSchema()));
    const refused = await gql(closedGateway, getIntrospectionQuery(), {}, t.auth);
    expect(refused.status).toBe(400);
    expect(refused.body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('demo mode: the same clients', () => {
  let hub: Hub;
  let t: Target;
  let equipment: string[];
  beforeAll(async () => {
    hub = await startHub();
    t = {
      gateway: hub.gateway,
      mesApi: hub.mesApi,
      auth: await hub.as(['planner']),
      setEquipmentState: async (equipmentId, state) => void (await admin.equipmentState(hub.mesApi, { equipmentId, state })),
    };
    equipment = await equipmentOf(t);
  }, 60_000);
  afterAll(() => hub?.close());

  clientChecks(() => t, () => equipment);

  it('schema download by introspection equals the API schema', async () => {
    const res = await gql(hub.gateway, getIntrospectionQuery(), {});
    expect(sorted(buildClientSchema(res.body.data as unknown as IntrospectionQuery))).toBe(sorted(await apiSchema()));
  });
});
