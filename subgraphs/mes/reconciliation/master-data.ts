/**
 * Master-data diagnostics of the material mapping, checked against what both systems actually use:
 * MES codes on work orders, ERP materials on production orders, ERP base units. Pure; the resolver
 * reads the data in bulk and calls `masterDataIssues`.
 */
import { canonicalUnit, unitFactor } from '../../../lib/units.ts';
import type { MasterDataIssueKind } from '../enums.ts';
import type { MappingRow } from '../source.ts';

export interface MasterDataIssueRecord {
  kind: MasterDataIssueKind;
  mesCode: string | null;
  erpMaterialId: string | null;
  erpUnit: string | null;
  mesUnit: string | null;
  factor: number | null;
  usage: number;
  message: string;
}

export interface MasterDataInput {
  rows: readonly MappingRow[];
  /** MES code -> [unit, number of work orders] as the MES uses it. */
  mesCodes: ReadonlyMap<string, { unit: string; count: number }>;
  /** ERP material -> number of production orders. */
  erpMaterials: ReadonlyMap<string, number>;
  /** ERP material -> base unit, for every material the ERP knows among those asked. */
  baseUnits: ReadonlyMap<string, string>;
}

const KIND_ORDER: readonly MasterDataIssueKind[] = [
  'MES_CODE_UNMAPPED', 'ERP_MATERIAL_UNMAPPED', 'CONFLICTING_MAPPING', 'UNKNOWN_ERP_MATERIAL', 'BASE_UNIT_CONFLICT', 'UNIT_MISMATCH', 'FACTOR_CONFLICT',
];

/** Relative agreement of two factors: the export may carry 0.001 as 0.0010000000001. */
const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

export function masterDataIssues(input: MasterDataInput): MasterDataIssueRecord[] {
  const out: MasterDataIssueRecord[] = [];
  const byCode = new Map<string, MappingRow[]>();
  const mappedMaterials = new Set<string>();
  for (const r of input.rows) {
    byCode.set(r.mesCode, [...(byCode.get(r.mesCode) ?? []), r]);
    mappedMaterials.add(r.erpMaterial);
  }
  const usageOf = (code: string) => input.mesCodes.get(code)?.count ?? 0;
  const row = (kind: MasterDataIssueKind, r: MappingRow, message: string): MasterDataIssueRecord => ({
    kind, mesCode: r.mesCode, erpMaterialId: r.erpMaterial, erpUnit: r.erpUnit, mesUnit: r.mesUnit, factor: r.factor, usage: usageOf(r.mesCode), message,
  });

  for (const [code, use] of input.mesCodes) {
    if (byCode.has(code)) continue;
    out.push({
      kind: 'MES_CODE_UNMAPPED', mesCode: code, erpMaterialId: null, erpUnit: null, mesUnit: use.unit, factor: null, usage: use.count,
      message: `MES code ${code} is used on ${use.count} work order(s) but has no mapping row`,
    });
  }
  for (const [material, count] of input.erpMaterials) {
    if (mappedMaterials.has(material)) continue;
    out.push({
      kind: 'ERP_MATERIAL_UNMAPPED', mesCode: null, erpMaterialId: material, erpUnit: input.baseUnits.get(material) ?? null, mesUnit: null, factor: null,
      usage: count, message: `ERP material ${material} is used in ${count} production order(s) but has no MES code`,
    });
  }
  for (const [code, rows] of byCode) {
    const targets = [...new Set(rows.map((r) => r.erpMaterial))];
    if (targets.length > 1) {
      out.push(row('CONFLICTING_MAPPING', rows[0] as MappingRow, `MES code ${code} maps to ${targets.length} ERP materials: ${targets.join(', ')}`));
    }
  }
  for (const r of input.rows) {
    const base = input.baseUnits.get(r.erpMaterial);
    if (base === undefined) out.push(row('UNKNOWN_ERP_MATERIAL', r, `mapping row ${r.mesCode} names ERP material ${r.erpMaterial}, which the ERP does not know`));
    else if (canonicalUnit(r.erpUnit) !== canonicalUnit(base)) {
      out.push(row('BASE_UNIT_CONFLICT', r, `mapping row ${r.mesCode} converts into ${r.erpUnit}, but ERP material ${r.erpMaterial} is kept in ${base}`));
    }
    const physical = unitFactor(r.mesUnit, r.erpUnit);
    if (r.factor === null && physical === undefined) {
      out.push(row('UNIT_MISMATCH', r, `no factor from MES unit ${r.mesUnit} to ERP unit ${r.erpUnit} (different dimensions)`));
    } else if (r.factor !== null && physical !== undefined && !same(r.factor, physical)) {
      out.push(row('FACTOR_CONFLICT', r, `factor ${r.factor} from ${r.mesUnit} to ${r.erpUnit} contradicts the physical ${physical}`));
    }
  }
  const id = (i: MasterDataIssueRecord) => i.mesCode ?? i.erpMaterialId ?? '';
  return out.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || id(a).localeCompare(id(b)));
}
