import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../gateway/security/persisted.ts';
import type { AuditRecord } from '../lib/audit.ts';
import { gql, startHub, TEST_REDIS_URL, uniquePrefix, type Hub } from './support/hub.ts';

const REPORT = `query CostReport { productionOrders(first: 3) { edges { node { id plannedCost workOrders { operations { processParameters { value } } } } } } }`;

/** Polls until `read` returns something (the log is written after the response is sent). */
async function eventually<T>(read: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await read();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nothing arrived');
}

describe('audit log', () => {
  let hub: Hub;
  let redis: Redis;
  let file: string;
  let prefix: string;
  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'hub-audit-')), 'audit.log');
    prefix = uniquePrefix('audit');
    hub = await startHub({ env: { CACHE_PREFIX: prefix, AUDIT_LOG: file } });
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis?.del(`${prefix}:audit`);
    await redis?.quit();
    await hub?.close();
  });

  const lines = (): AuditRecord[] =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditRecord) : [];

  it('a read of restricted fields writes who, roles, operation, hash, fields, ids and outcome, to the file and the Redis stream', async () => {
    const token = await hub.token({ sub: 'ann', roles: ['finance'] });
    const res = await gql(hub.gateway, REPORT, undefined, { authorization: `Bearer ${token}` });
    const orderIds = res.body.data!.productionOrders.edges.map((e: any) => e.node.id);
    const erp = await eventually(() => lines().find((l) => l.service === 'erp' && l.operation === 'CostReport'));
    expect(erp).toMatchObject({
      type: 'audit',
      who: 'ann',
      roles: ['finance'],
      operation: 'CostReport',
      queryHash: sha256(REPORT),
      mutation: false,
      fields: ['ProductionOrder.plannedCost'],
      denied: [],
      outcome: 'ok',
    });
    expect(erp.ids).toEqual(expect.arrayContaining(orderIds));
    expect(Date.parse(erp.time)).not.toBeNaN();
    const mes = await eventually(() => lines().find((l) => l.service === 'mes' && l.operation === 'CostReport'));
    expect(mes).toMatchObject({ who: 'ann', fields: ['Operation.processParameters'], denied: ['Operation.processParameters'], outcome: 'denied' });
    expect(mes.requestId).toBe(erp.requestId);

    const stream = await eventually(async () => {
      const entries = await redis.xrange(`${prefix}:audit`, '-', '+');
      const records = entries.map(([, fields]) => JSON.parse(fields[1]!) as AuditRecord);
      return records.length >= 2 ? records : undefined;
    });
    expect(stream.map((r) => r.service).sort()).toEqual(['erp', 'mes']);

    const all = readFileSync(file, 'utf8');
    expect(all).not.toContain(token);
    expect(all).not.toContain(hub.config.security.jwtSecret!);
    // Values read are never logged, only that they were read.
    const cost = res.body.data!.productionOrders.edges[0].node.plannedCost;
    expect(all).not.toContain(String(cost));
  });

  it('an ordinary read (no restricted field) writes nothing', async () => {
    const before = lines().length;
    await gql(hub.gateway, 'query Plain { productionOrders(first: 2) { edges { node { id status progress } } } }');
    await gql(hub.gateway, 'query Marker { productionOrders(first: 1) { edges { node { material { standardCost } } } } }');
    await eventually(() => lines().find((l) => l.operation === 'Marker'));
    expect(lines().filter((l) => l.operation === 'Plain')).toEqual([]);
    expect(lines().length).toBe(before + 1);
  });
});
