import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../subgraphs/mes/mapping.ts';

/** The material mapping as a master-data team's spreadsheet exports it. */
const ROWS = [
  { erpMaterial: '2000001', mesCode: 'MC-100, "coil"', erpUnit: 'KG', mesUnit: 'g', factor: 0.001 },
  { erpMaterial: '2000002', mesCode: 'MC-200', erpUnit: 'PC', mesUnit: 'BOX10', factor: 10 },
  { erpMaterial: '2000003', mesCode: 'MC-300', erpUnit: 'KG', mesUnit: 'PC', factor: null },
];

const rows = (text: string) => parseMapping(text).rows.map((r) => ({ ...r }));

describe('material mapping CSV', () => {
  it('reads quoted fields (a separator and doubled quotes inside) in a plain comma export', () => {
    const text = [
      'erpMaterial,mesCode,erpUnit,mesUnit,factor',
      '000000000002000001,"MC-100, ""coil""",KG,g,0.001',
      '2000002,MC-200,PC,BOX10,10',
      '2000003,"MC-300",KG,PC,',
    ].join('\n');
    expect(rows(text)).toEqual(ROWS);
  });

  it('reads an Excel export from a European locale: BOM, `;` separator, decimal comma, CRLF', () => {
    const text = '\uFEFF' + [
      'erpMaterial;mesCode;erpUnit;mesUnit;factor',
      '2000001;"MC-100, ""coil""";KG;g;0,001',
      '2000002;MC-200;PC;BOX10;10',
      '2000003;MC-300;KG;PC;',
      '',
    ].join('\r\n');
    expect(rows(text)).toEqual(ROWS);
  });

  it('takes columns by header name, in any order, and ignores extra columns and blank lines', () => {
    const text = 'factor,mesUnit,note,erpUnit,mesCode,erpMaterial\r\n0.001,g,"from MDM, 2024",KG,"MC-100, ""coil""",2000001\r\n\r\n';
    expect(rows(text)).toEqual([ROWS[0]]);
  });

  it('refuses an export without the columns it needs, or with a broken quote', () => {
    expect(() => parseMapping('erpMaterial;mesCode\n1;A')).toThrow(/needs erpMaterial,mesCode,erpUnit,mesUnit,factor/);
    expect(() => parseMapping('erpMaterial,mesCode,erpUnit,mesUnit,factor\n1,"A,KG,g,1')).toThrow();
  });
});
