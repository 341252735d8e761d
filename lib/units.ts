/**
 * Units of measure as the two systems spell them. SAP-fed installations mix internal codes (KG, ST),
 * ISO/UN-ECE codes (KGM, H87) and free spellings (kg, EA): everything is folded to one canonical code
 * before it is compared or converted.
 */
const ALIASES: Record<string, string> = {
  KG: 'KG', KGM: 'KG', KGS: 'KG', KILOGRAM: 'KG',
  G: 'G', GRM: 'G', GR: 'G', GRAM: 'G',
  T: 'T', TNE: 'T', TO: 'T',
  PC: 'PC', PCE: 'PC', EA: 'PC', H87: 'PC', ST: 'PC', PCS: 'PC', EACH: 'PC', C62: 'PC',
  M: 'M', MTR: 'M', MM: 'MM', MMT: 'MM', CM: 'CM', CMT: 'CM',
  L: 'L', LTR: 'L', LT: 'L', ML: 'ML', MLT: 'ML',
  BOX10: 'BOX10',
};

/** The canonical code of a unit spelling (`kg`, `KGM` -> `KG`; `EA`, `H87` -> `PC`); unknown codes upper-cased. */
export function canonicalUnit(unit: string): string {
  const key = unit.trim().toUpperCase();
  return ALIASES[key] ?? key;
}

/** Factors to a dimension's reference unit; units of different dimensions never convert. */
const TO_REFERENCE: Record<string, { dim: string; factor: number }> = {
  KG: { dim: 'mass', factor: 1 },
  G: { dim: 'mass', factor: 0.001 },
  T: { dim: 'mass', factor: 1000 },
  PC: { dim: 'count', factor: 1 },
  M: { dim: 'length', factor: 1 },
  CM: { dim: 'length', factor: 0.01 },
  MM: { dim: 'length', factor: 0.001 },
  L: { dim: 'volume', factor: 1 },
  ML: { dim: 'volume', factor: 0.001 },
};

/**
 * The factor f with `quantity_in_to = quantity_in_from * f` for the units the physical world converts
 * (mass, count, length, volume), or undefined when no universal factor exists (a box, a drum: those need
 * the master-data mapping).
 */
export function unitFactor(from: string, to: string): number | undefined {
  const a = canonicalUnit(from);
  const b = canonicalUnit(to);
  if (a === b) return 1;
  const fa = TO_REFERENCE[a];
  const fb = TO_REFERENCE[b];
  if (!fa || !fb || fa.dim !== fb.dim) return undefined;
  return fa.factor / fb.factor;
}

/** Rounds away binary noise (0.1 * 3) so sums compare equal to what the systems booked. */
export function roundQuantity(q: number): number {
  return Math.round(q * 1e6) / 1e6;
}
