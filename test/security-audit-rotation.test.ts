import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startHub, type Hub } from './support/hub.ts';
import { until } from './support/live.ts';

const MAX_BYTES = 1024;

/** `AUDIT_LOG_MAX_BYTES` / `AUDIT_LOG_FILES`: the audit file rotates by size and keeps n generations. */
describe('audit log rotation', () => {
  let hub: Hub;
  let file: string;
  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'hub-audit-')), 'audit.log');
    hub = await startHub({ env: { AUDIT_LOG: file, AUDIT_LOG_MAX_BYTES: String(MAX_BYTES), AUDIT_LOG_FILES: '2' } });
  });
  afterAll(() => hub?.close());

  const operations = (path: string): string[] =>
    existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { operation: string }).operation) : [];

  it('rotates the file at AUDIT_LOG_MAX_BYTES, keeps AUDIT_LOG_FILES older ones, and loses no line in between', async () => {
    const headers = await hub.as(['finance']);
    const N = 30;
    // Only ERP fields are restricted here, so one subgraph writes the file and the order of lines is the order of requests.
    for (let i = 1; i <= N; i++) {
      const res = await gql(hub.gateway, `query Rotation${i} { productionOrders(first: 2) { edges { node { id plannedCost } } } }`, undefined, headers);
      expect(res.body.errors).toBeUndefined();
    }
    await until(() => operations(file).includes(`Rotation${N}`), 10_000, 'the last audit line');
    expect(existsSync(`${file}.1`) && existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) expect(statSync(f).size, f).toBeLessThanOrEqual(MAX_BYTES);
    const kept = [...operations(`${file}.2`), ...operations(`${file}.1`), ...operations(file)];
    const first = Number(kept[0]!.slice('Rotation'.length));
    expect(first).toBeGreaterThan(1);
    expect(kept).toEqual(Array.from({ length: N - first + 1 }, (_, i) => `Rotation${first + i}`));
  });
});
