import { readFile } from 'node:fs/promises';
import { parse as parseCsvText } from 'csv-parse/sync';
import { canonicalUnit, unitFactor } from '../../lib/units.ts';
import { stripLeadingZeros } from '../../lib/ids.ts';
import type { MappingRow } from './source.ts';

/**
 * The material cross-reference as the plant's master-data team exports it (JSON `{items:[...]}` or
 * CSV with a header `erpMaterial,mesCode,erpUnit,mesUnit,factor`). Gaps are expected: a conversion that
 * cannot be made says why, and the caller leaves the quantity out of sums instead of failing the read.
 */
export type ConversionFailure = 'UNMAPPED_MATERIAL' | 'UNIT_MISMATCH';

export type Conversion =
  | { ok: true; factor: number; unit: string; erpMaterial: string }
  | { ok: false; reason: ConversionFailure; erpMaterial: string | null };

/** Distinct (code, unit, target, material) tuples kept; real mappings use a few hundred. */
const MAX_MEMOIZED_CONVERSIONS = 10_000;

export class MaterialMapping {
  private readonly byCode = new Map<string, MappingRow>();
  private readonly byErp = new Map<string, MappingRow[]>();
  /** mesCode -> mesUnit -> targetUnit -> expected ERP material -> conversion (see conversion()). */
  private readonly memo = new Map<string, Map<string, Map<string | undefined, Map<string | undefined, Conversion>>>>();
  private memoSize = 0;

  constructor(readonly rows: readonly MappingRow[]) {
    for (const r of rows) {
      // First row wins for a code; conflicting rows are a master-data issue, reported, never guessed.
      if (!this.byCode.has(r.mesCode)) this.byCode.set(r.mesCode, r);
      const list = this.byErp.get(r.erpMaterial);
      if (list) list.push(r);
      else this.byErp.set(r.erpMaterial, [r]);
    }
  }

  row(mesCode: string): MappingRow | undefined {
    return this.byCode.get(mesCode);
  }

  mesCodes(erpMaterial: string): string[] {
    return (this.byErp.get(erpMaterial) ?? []).map((r) => r.mesCode);
  }

  /**
   * The factor that turns a quantity of `mesCode` in `mesUnit` into `targetUnit` (default: the ERP
   * unit of the mapping row). `expectErpMaterial`, when given, must be the row's ERP material.
   * Called once per record (thousands per request) with a handful of distinct arguments, and the
   * answer depends only on them and on this mapping: each is worked out once, then shared (frozen).
   */
  conversion(mesCode: string, mesUnit: string, targetUnit?: string, expectErpMaterial?: string): Conversion {
    // One exact level per argument: a joined string key could collide, and undefined differs from ''.
    let byUnit = this.memo.get(mesCode);
    if (!byUnit) this.memo.set(mesCode, (byUnit = new Map()));
    let byTarget = byUnit.get(mesUnit);
    if (!byTarget) byUnit.set(mesUnit, (byTarget = new Map()));
    let byExpect = byTarget.get(targetUnit);
    if (!byExpect) byTarget.set(targetUnit, (byExpect = new Map()));
    let conv = byExpect.get(expectErpMaterial);
    if (!conv) {
      // Record values come from the MES: bound the memo so odd data cannot grow it without limit.
      if (this.memoSize >= MAX_MEMOIZED_CONVERSIONS) this.clearMemo();
      conv = Object.freeze(this.convert(mesCode, mesUnit, targetUnit, expectErpMaterial));
      byExpect.set(expectErpMaterial, conv);
      this.memoSize++;
    }
    return conv;
  }

  private clearMemo(): void {
    this.memo.clear();
    this.memoSize = 0;
  }

  private convert(mesCode: string, mesUnit: string, targetUnit?: string, expectErpMaterial?: string): Conversion {
    const row = this.byCode.get(mesCode);
    if (!row || (expectErpMaterial !== undefined && row.erpMaterial !== expectErpMaterial)) {
      return { ok: false, reason: 'UNMAPPED_MATERIAL', erpMaterial: row?.erpMaterial ?? null };
    }
    // The job's own unit spelling may differ from the mapping's (kg vs KGM): fold, then convert.
    const toRowMesUnit = unitFactor(mesUnit, row.mesUnit);
    const rowFactor = row.factor ?? unitFactor(row.mesUnit, row.erpUnit);
    const target = canonicalUnit(targetUnit ?? row.erpUnit);
    const toTarget = unitFactor(row.erpUnit, target);
    if (toRowMesUnit === undefined || rowFactor == null || toTarget === undefined) {
      return { ok: false, reason: 'UNIT_MISMATCH', erpMaterial: row.erpMaterial };
    }
    return { ok: true, factor: toRowMesUnit * rowFactor * toTarget, unit: target, erpMaterial: row.erpMaterial };
  }
}

const CSV_COLUMNS = ['erpMaterial', 'mesCode', 'erpUnit', 'mesUnit', 'factor'];

/**
 * A spreadsheet's CSV export, as Excel writes it in any locale: `,` between fields, or `;` where the
 * comma is the decimal separator (then `0,001` is a factor too); quoted fields; a BOM; CRLF lines.
 * The separator is told by the header line.
 */
function parseCsv(text: string): MappingRow[] {
  const header = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = header.includes(';') && !header.includes(',') ? ';' : ',';
  const records = parseCsvText(text, {
    bom: true,
    delimiter,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    columns: (names: string[]) => {
      if (CSV_COLUMNS.some((c) => !names.includes(c))) throw new Error(`mapping CSV needs ${CSV_COLUMNS.join(',')}`);
      return names;
    },
  }) as Record<string, string | undefined>[];
  return records.map((r) => {
    const f = r.factor ?? '';
    return {
      erpMaterial: r.erpMaterial ?? '',
      mesCode: r.mesCode ?? '',
      erpUnit: r.erpUnit ?? '',
      mesUnit: r.mesUnit ?? '',
      factor: f === '' || f.toLowerCase() === 'null' ? null : Number(delimiter === ';' ? f.replace(',', '.') : f),
    };
  });
}

function validate(rows: MappingRow[]): MappingRow[] {
  for (const [i, r] of rows.entries()) {
    if (!r.erpMaterial || !r.mesCode || !r.erpUnit || !r.mesUnit) throw new Error(`mapping row ${i + 1} is incomplete`);
    if (r.factor !== null && !(Number.isFinite(r.factor) && r.factor > 0)) throw new Error(`mapping row ${i + 1} has a bad factor`);
    r.erpMaterial = stripLeadingZeros(r.erpMaterial);
  }
  return rows;
}

/** Parses a mapping export; the format is told by its first character. */
export function parseMapping(text: string): MaterialMapping {
  const trimmed = text.trimStart();
  const rows = trimmed.startsWith('{') || trimmed.startsWith('[')
    ? ((): MappingRow[] => {
        const json = JSON.parse(trimmed) as { items?: MappingRow[] } | MappingRow[];
        return Array.isArray(json) ? json : (json.items ?? []);
      })()
    : parseCsv(trimmed);
  return new MaterialMapping(validate(rows));
}

/** Loads the mapping from a file path or an http(s) URL (the MES's MDM export, or the plant's file). */
export async function loadMapping(source: string, timeoutMs: number): Promise<MaterialMapping> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`mapping source answered ${res.status}`);
    return parseMapping(await res.text());
  }
  return parseMapping(await readFile(source, 'utf8'));
}
