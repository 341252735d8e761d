import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePlant } from '../systems/plant.ts';
import { getJson, gql, post, startHub, uniquePrefix, type Hub } from './support/hub.ts';
import { until } from './support/live.ts';
import type { Json } from './support/raw-plant.ts';

const QUERY = '{ masterDataIssues { kind mesCode erpMaterialId erpUnit mesUnit factor usage message material { id baseUnit } } }';

describe('master-data diagnostics', () => {
  let hub: Hub;
  let file: string;
  beforeAll(async () => {
    // The plant's own export written to a file, as a master-data team would hand it over.
    file = join(mkdtempSync(join(tmpdir(), 'hub-mapping-')), 'mapping.json');
    writeFileSync(file, JSON.stringify({ items: generatePlant({ seed: 42, scale: 1 }).mes.mapping }));
    hub = await startHub({ env: { MAPPING_SOURCE: file, CACHE_PREFIX: uniquePrefix('int'), UPSTREAM_TIMEOUT_MS: '10000' } });
  });
  afterAll(() => hub?.close());

  it('on the seeded plant lists exactly the seeded mapping gaps and unit mismatches', async () => {
    const res = await gql(hub.gateway, QUERY);
    expect(res.body.errors).toBeUndefined();
    const issues: Json[] = res.body.data!.masterDataIssues;
    const faults: Json[] = await getJson(`${hub.mesApi}/admin/seeded-faults`);
    const expected = faults.flatMap((f) =>
      f.kind === 'UNMAPPED_MATERIAL' ? [`MES_CODE_UNMAPPED:${f.mesCode}`, `ERP_MATERIAL_UNMAPPED:${f.material}`]
        : f.kind === 'UNIT_MISMATCH' ? [`UNIT_MISMATCH:${f.mesCode}`] : []);
    expect(issues.map((i) => `${i.kind}:${i.mesCode ?? i.erpMaterialId}`).sort()).toEqual(expected.sort());
    for (const i of issues) expect(i.usage, i.message).toBeGreaterThan(0);
    const gap = issues.find((i) => i.kind === 'ERP_MATERIAL_UNMAPPED');
    expect(gap.material).toEqual({ id: gap.erpMaterialId, baseUnit: gap.erpUnit });
  });

  it('reports conflicting mappings and wrong conversions after a reload, without a restart', async () => {
    const rows: Json[] = generatePlant({ seed: 42, scale: 1 }).mes.mapping;
    const grams = rows.find((r) => r.mesUnit === 'g' && r.factor === 0.001);
    const kilos = rows.find((r) => r.erpUnit === 'KG' && r.factor === 1 && r.mesCode !== grams.mesCode);
    const pieces = rows.find((r) => r.erpUnit === 'PC');
    const edited = [
      ...rows.filter((r) => r !== grams && r !== kilos),
      { ...grams, factor: 1 },
      { ...kilos, erpUnit: 'PC' },
      { ...pieces, erpMaterial: '999999999' },
    ];
    writeFileSync(file, JSON.stringify({ items: edited }));
    const reload = await post(hub.mesSubgraph.replace(/\/graphql$/, '/admin/mapping/reload'));
    expect(reload.status).toBe(200);
    expect(await reload.json()).toEqual({ rows: edited.length });
    const issues: Json[] = (await gql(hub.gateway, QUERY)).body.data!.masterDataIssues;
    const keys = issues.map((i) => `${i.kind}:${i.mesCode ?? i.erpMaterialId}`);
    expect(keys).toEqual(expect.arrayContaining([
      `FACTOR_CONFLICT:${grams.mesCode}`,
      `BASE_UNIT_CONFLICT:${kilos.mesCode}`,
      `CONFLICTING_MAPPING:${pieces.mesCode}`,
      `UNKNOWN_ERP_MATERIAL:${pieces.mesCode}`,
    ]));
    const conflict = issues.find((i) => i.kind === 'CONFLICTING_MAPPING');
    expect(conflict.message).toContain('999999999');

    writeFileSync(file, 'not a mapping');
    const broken = await post(hub.mesSubgraph.replace(/\/graphql$/, '/admin/mapping/reload'));
    expect(broken.status).toBe(502);
    // The last good mapping stays in use.
    const still: Json[] = (await gql(hub.gateway, QUERY)).body.data!.masterDataIssues;
    expect(still.map((i) => i.kind)).toContain('FACTOR_CONFLICT');
  });
});

describe('MAPPING_RELOAD_SECONDS', () => {
  let hub: Hub;
  let file: string;
  const rows: Json[] = generatePlant({ seed: 42, scale: 1 }).mes.mapping;
  /** The export as Excel writes it in a European locale: BOM, `;`, decimal comma, quoted, CRLF. */
  const excel = (items: Json[]) => '\uFEFF' + ['erpMaterial;mesCode;erpUnit;mesUnit;factor', ...items.map((r) =>
    [r.erpMaterial, `"${r.mesCode}"`, r.erpUnit, r.mesUnit, r.factor === null ? '' : String(r.factor).replace('.', ',')].join(';'))].join('\r\n');
  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'hub-mapping-')), 'mapping.csv');
    writeFileSync(file, excel(rows));
    hub = await startHub({ env: { MAPPING_SOURCE: file, MAPPING_RELOAD_SECONDS: '1', CACHE_PREFIX: uniquePrefix('int') } });
  });
  afterAll(() => hub?.close());

  it('re-reads the mapping source (a spreadsheet CSV) by itself, with no reload call', async () => {
    const grams = rows.find((r) => r.mesUnit === 'g' && r.factor === 0.001);
    const kinds = async () => ((await gql(hub.gateway, QUERY)).body.data!.masterDataIssues as Json[]).map((i) => `${i.kind}:${i.mesCode}`);
    // Read as written: the seeded plant's own issues only, so every row and factor came through.
    expect((await kinds()).filter((k) => !k.startsWith('MES_CODE_UNMAPPED') && !k.startsWith('ERP_MATERIAL_UNMAPPED') && !k.startsWith('UNIT_MISMATCH'))).toEqual([]);
    writeFileSync(file, excel([...rows.filter((r) => r !== grams), { ...grams, factor: 1 }]));
    await until(async () => (await kinds()).includes(`FACTOR_CONFLICT:${grams.mesCode}`), 10_000, 'the timed reload');
  });
});
