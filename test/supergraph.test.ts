/**
 * SUPERGRAPH_PATH: the hub's gateway on a foreign supergraph (two small @apollo/subgraph services,
 * composed here with @apollo/composition) answers exactly as a plain @apollo/gateway on the same file,
 * for federated queries and for a subgraph's own errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../gateway/server.ts';
import { loadConfig } from '../lib/config.ts';
import WebSocket from 'ws';
import { gql } from './support/hub.ts';

const PRODUCTS = [
  { id: '1', name: 'Bolt M8', price: 0.12 },
  { id: '2', name: 'Nut M8', price: 0.05 },
];

const catalog = buildSubgraphSchema({
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Query { products: [Product!]! product(id: ID!): Product }
    type Product @key(fields: "id") { id: ID! name: String! price: Float legacyCode: String }
  `),
  resolvers: {
    Query: { products: () => PRODUCTS, product: (_: unknown, { id }: { id: string }) => PRODUCTS.find((p) => p.id === id) ?? null },
    Product: {
      __resolveReference: (ref: { id: string }) => PRODUCTS.find((p) => p.id === ref.id),
      price: (p: { id: string; price: number }) => {
        if (p.id === '2') throw new GraphQLError('The price list is being updated; try again in a minute.', { extensions: { code: 'PRICE_LIST_LOCKED', retryAfterSeconds: 60 } });
        return p.price;
      },
      legacyCode: () => {
        throw new Error('legacy code table is not loaded');
      },
    },
  },
});

const inventory = buildSubgraphSchema({
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Product @key(fields: "id") { id: ID! stock: Int! warehouse: Warehouse }
    type Warehouse { code: String! }
  `),
  resolvers: {
    Product: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      stock: (p: { id: string }) => Number(p.id) * 100,
      warehouse: (p: { id: string }) => (p.id === '1' ? { code: 'WH-A' } : null),
    },
  },
});

describe('SUPERGRAPH_PATH: a foreign supergraph', () => {
  const closers: (() => Promise<unknown>)[] = [];
  /** Which subgraph requests arrived with the hub's signature header. */
  const signed: Record<string, boolean[]> = { catalog: [], inventory: [] };
  let hub: string;
  let plain: string;
  beforeAll(async () => {
    const services = [];
    for (const [name, schema] of [['catalog', catalog], ['inventory', inventory]] as const) {
      const server = new ApolloServer({ schema });
      const { url } = await startStandaloneServer(server, {
        listen: { port: 0, host: '127.0.0.1' },
        context: async ({ req }) => (signed[name]!.push(typeof req.headers['x-hub-signature'] === 'string'), {}),
      });
      closers.push(() => server.stop());
      const typeDefs = parse((await gql(url, '{ _service { sdl } }')).body.data!._service.sdl);
      services.push({ name, url, typeDefs });
    }
    const composed = composeServices(services);
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    const file = join(mkdtempSync(join(tmpdir(), 'hub-supergraph-')), 'supergraph.graphql');
    writeFileSync(file, composed.supergraphSdl);

    const gateway = await startGateway(
      // Signing on, for one of the two: SIGNED_SUBGRAPHS names the subgraphs that check the hub's signature.
      loadConfig({ SUPERGRAPH_PATH: file, GATEWAY_PORT: '0', SIGNED_SUBGRAPHS: 'catalog', LOG_LEVEL: 'silent', AUDIT_LOG: 'off' }),
    );
    closers.push(gateway.close);
    hub = gateway.url;
    const reference = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }) });
    const started = await startStandaloneServer(reference, { listen: { port: 0, host: '127.0.0.1' } });
    closers.push(() => reference.stop());
    plain = started.url;
  }, 60_000);
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  const both = async (query: string, variables?: Record<string, unknown>) => {
    const [a, b] = await Promise.all([gql(hub, query, variables), gql(plain, query, variables)]);
    expect(a.status).toBe(b.status);
    expect(a.body).toEqual(b.body);
    return a.body;
  };

  it('starts on the file, finds the subgraphs at the URLs it names, and says it is ready', async () => {
    const ready = await fetch(new URL('/ready', hub));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ subgraphs: { catalog: true, inventory: true } });
  });

  it('answers federated queries exactly as plain @apollo/gateway', async () => {
    const body = await both('{ products { id name stock warehouse { code } } }');
    expect(body.data!.products).toEqual([
      { id: '1', name: 'Bolt M8', stock: 100, warehouse: { code: 'WH-A' } },
      { id: '2', name: 'Nut M8', stock: 200, warehouse: null },
    ]);
    await both('query($id: ID!) { product(id: $id) { name stock } }', { id: '1' });
    await both('query($id: ID!) { product(id: $id) { name stock } }', { id: '9' });
  });

  it('signs the requests of the subgraphs SIGNED_SUBGRAPHS names, and only those', async () => {
    signed.catalog = [];
    signed.inventory = [];
    await gql(hub, '{ products { id stock } }');
    expect(signed.catalog).toEqual([true]);
    expect(signed.inventory).toEqual([false]);
  });

  it("passes a subgraph's own error on with its message, code, extensions and serviceName, as plain @apollo/gateway does", async () => {
    const body = await both('{ products { id price } }');
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({
      message: 'The price list is being updated; try again in a minute.',
      path: ['products', 1, 'price'],
      extensions: { code: 'PRICE_LIST_LOCKED', retryAfterSeconds: 60, serviceName: 'catalog' },
    });
    expect(JSON.stringify(body.errors)).not.toContain('stacktrace');
    // An uncoded failure in the subgraph: the subgraph's own answer for it, also unchanged.
    const legacy = await both('{ product(id: "1") { name legacyCode } }');
    expect(legacy.errors![0]!.extensions).toMatchObject({ serviceName: 'catalog' });
  });

  it('without the hub subscription fields, the live transports are off: no WebSocket endpoint, queries still answer', async () => {
    const ws = new WebSocket(hub.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const outcome = await new Promise<string>((resolve) => (ws.once('open', () => resolve('open')), ws.once('error', () => resolve('refused'))));
    expect(outcome).toBe('refused');
    expect((await gql(hub, '{ products { id } }')).body.data!.products).toHaveLength(2);
  });
});
