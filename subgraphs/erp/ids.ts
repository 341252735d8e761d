/**
 * ERP key normalisation. The ERP pads order numbers to 12 and numeric material numbers to 18
 * characters; the MES and the graph use them without zeros. Every id is normalised once, at the edge,
 * so that `000001000045` and `1000045` are the same order everywhere (cache keys included).
 */
import { stripLeadingZeros } from '../../lib/ids.ts';

const DIGITS = /^\d+$/;

/** The hub's form of an ERP order number, or undefined when it cannot be one (no upstream call needed). */
export function normaliseOrderId(id: string): string | undefined {
  const s = id.trim();
  if (!DIGITS.test(s) || s.length > 12) return undefined;
  return stripLeadingZeros(s);
}

export function erpOrderKey(id: string): string {
  return id.padStart(12, '0');
}

/** Numeric material numbers lose their zeros; alphanumeric ones (allowed by SAP) are kept upper-cased. */
export function normaliseMaterialId(id: string): string | undefined {
  const s = id.trim();
  if (s.length === 0 || s.length > 40 || !/^[A-Za-z0-9_.\-/]+$/.test(s)) return undefined;
  if (DIGITS.test(s)) return s.length > 18 ? undefined : stripLeadingZeros(s);
  return s.toUpperCase();
}

export function erpMaterialKey(id: string): string {
  return DIGITS.test(id) ? id.padStart(18, '0') : id;
}
