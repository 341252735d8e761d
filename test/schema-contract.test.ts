import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph, SUPERGRAPH_PATH } from '../scripts/compose.ts';
import { execFileSync } from 'node:child_process';
import { gql, startHub, type Hub } from './support/hub.ts';

describe('schema contract', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  it('the checked-in supergraph equals a fresh composition of schema/*.graphql', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });

  it('the checked-in resolver types equal a fresh npm run codegen', () => {
    // In a child process: codegen loads graphql through CommonJS, vitest through ESM (two realms).
    expect(() => execFileSync('npx', ['tsx', 'codegen.ts', '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('the gateway serves the documented query fields, arguments and types', async () => {
    const res = await gql(
      hub.gateway,
      `{ __schema { queryType { fields { name args { name type { kind name ofType { kind name ofType { name } } } defaultValue } } } }
         po: __type(name: "ProductionOrder") { fields { name type { kind ofType { name kind ofType { name } } name } } }
         mat: __type(name: "Material") { fields { name } }
         wo: __type(name: "WorkOrder") { fields { name } }
         op: __type(name: "Operation") { fields { name } }
         eq: __type(name: "Equipment") { fields { name } }
         st: __type(name: "ProductionOrderStatus") { enumValues { name } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const data = res.body.data!;
    const query = Object.fromEntries(data.__schema.queryType.fields.map((f: any) => [f.name, f]));
    for (const name of ['productionOrder', 'productionOrders', 'material', 'workOrder', 'equipment']) {
      expect(query[name], name).toBeDefined();
    }
    const listArgs = Object.fromEntries(query.productionOrders.args.map((a: any) => [a.name, a]));
    expect(Object.keys(listArgs)).toEqual(expect.arrayContaining(['plant', 'status', 'first', 'after']));
    expect(listArgs.first.defaultValue).toBe('50');
    const names = (t: any) => t.fields.map((f: any) => f.name);
    expect(names(data.po)).toEqual(
      expect.arrayContaining([
        'id', 'plant', 'material', 'plannedQuantity', 'unit', 'plannedStart', 'plannedEnd', 'status',
        'confirmedQuantity', 'workOrders', 'producedQuantity', 'scrapQuantity', 'progress',
      ]),
    );
    expect(names(data.mat)).toEqual(expect.arrayContaining(['id', 'description', 'baseUnit', 'stock', 'lots']));
    expect(names(data.wo)).toEqual(expect.arrayContaining(['id', 'productionOrder', 'status', 'quantity', 'operations']));
    expect(names(data.op)).toEqual(
      expect.arrayContaining(['sequence', 'description', 'status', 'goodQuantity', 'scrapQuantity', 'equipment', 'startedAt', 'finishedAt']),
    );
    expect(names(data.eq)).toEqual(expect.arrayContaining(['id', 'name', 'state', 'workCenter']));
    expect(data.st.enumValues.map((v: any) => v.name)).toEqual([
      'CREATED', 'RELEASED', 'PARTIALLY_CONFIRMED', 'CONFIRMED', 'TECHNICALLY_COMPLETED', 'CLOSED',
    ]);
  });
});
