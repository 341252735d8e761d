/** Fixed vocabulary of the demo plant: names, units and process data that make the records look real. */

export type BaseUnit = 'PC' | 'KG' | 'M' | 'L';
export type WorkCenterType = 'MIX' | 'MACH' | 'ASSY' | 'PACK';

/** [family, base unit, material group] */
export type Family = readonly [string, BaseUnit, string];

export const FINISHED: readonly Family[] = [
  ['Gear pump', 'PC', 'PUMPS'],
  ['Ball valve', 'PC', 'VALVES'],
  ['Hydraulic cylinder', 'PC', 'HYDRAULICS'],
  ['Control unit', 'PC', 'ELECTRONICS'],
  ['Coolant concentrate', 'L', 'FLUIDS'],
  ['Cable harness', 'M', 'CABLES'],
  ['Powder coating', 'KG', 'COATINGS'],
];
export const SEMI_FINISHED: readonly Family[] = [
  ['Pump housing', 'PC', 'CASTINGS'],
  ['Valve body', 'PC', 'CASTINGS'],
  ['Piston rod', 'PC', 'MACHINED'],
  ['PCB assembly', 'PC', 'ELECTRONICS'],
  ['Base mix', 'KG', 'CHEMICALS'],
  ['Resin blend', 'KG', 'CHEMICALS'],
  ['Insulated wire', 'M', 'CABLES'],
  ['Additive premix', 'L', 'FLUIDS'],
];
export const RAW: readonly Family[] = [
  ['Steel bar 42CrMo4', 'KG', 'STEEL'],
  ['Aluminium ingot', 'KG', 'METALS'],
  ['Copper wire', 'M', 'METALS'],
  ['O-ring NBR', 'PC', 'SEALS'],
  ['Hex bolt M8', 'PC', 'FASTENERS'],
  ['Epoxy resin', 'KG', 'POLYMERS'],
  ['Glycol', 'L', 'CHEMICALS'],
  ['Pigment', 'KG', 'CHEMICALS'],
  ['Cardboard box', 'PC', 'PACKAGING'],
  ['PVC compound', 'KG', 'POLYMERS'],
  ['Bearing 6204', 'PC', 'BEARINGS'],
  ['Solvent', 'L', 'CHEMICALS'],
];

/**
 * MES spellings per ERP base unit: [mesUnit, factor (ERP per MES unit), weight]. Grams and boxes of ten
 * are the conversions the mapping layer must get right; the rest are spellings of the same unit.
 */
export const MES_UNITS: Record<BaseUnit, readonly (readonly [string, number, number])[]> = {
  PC: [['EA', 1, 40], ['H87', 1, 15], ['PCE', 1, 20], ['BOX10', 10, 25]],
  KG: [['kg', 1, 45], ['KGM', 1, 25], ['g', 0.001, 30]],
  M: [['MTR', 1, 1]],
  L: [['LTR', 1, 1]],
};

/** A MES unit of another dimension: no factor can exist, which is what UNIT_MISMATCH means. */
export const MISMATCHED_UNIT: Record<BaseUnit, string> = { PC: 'kg', KG: 'EA', M: 'kg', L: 'kg' };

export const PLANTS = [
  { Plant: '1000', Name: 'Hamburg', Currency: 'EUR' },
  { Plant: '2000', Name: 'Lyon', Currency: 'EUR' },
] as const;

export const WORK_CENTER_TYPES: readonly { type: WorkCenterType; description: string; machine: string }[] = [
  { type: 'MIX', description: 'Mixing', machine: 'Mixer' },
  { type: 'MACH', description: 'Machining', machine: 'CNC centre' },
  { type: 'ASSY', description: 'Assembly', machine: 'Assembly cell' },
  { type: 'PACK', description: 'Packing', machine: 'Packing line' },
];

/** [name, unit, lower, upper] of process parameters recorded per operation. */
export const PARAMETERS: Record<WorkCenterType, readonly (readonly [string, string, number, number])[]> = {
  MIX: [['Temperature', '°C', 60, 80], ['Mixing speed', 'rpm', 200, 400], ['Mixing time', 'min', 20, 40]],
  MACH: [['Spindle speed', 'rpm', 1800, 2200], ['Feed rate', 'mm/min', 300, 500], ['Coolant pressure', 'bar', 4, 8]],
  ASSY: [['Tightening torque', 'Nm', 20, 30], ['Press force', 'kN', 8, 12]],
  PACK: [['Line speed', 'units/min', 40, 60], ['Seal temperature', '°C', 140, 170]],
};

/** [characteristic, unit, lower, upper, decimals] of quality tests per operation type. */
export const CHARACTERISTICS: Record<WorkCenterType, readonly [string, string, number, number, number]> = {
  MIX: ['Viscosity', 'mPa·s', 800, 1200, 0],
  MACH: ['Bore diameter', 'mm', 24.98, 25.02, 3],
  ASSY: ['Leak rate', 'mbar·l/s', 0, 0.05, 4],
  PACK: ['Seal strength', 'N', 15, 40, 1],
};

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * Generated times fall on whole minutes, as shop-floor terminals record them. Rounded down, so that a
 * time before the anchor stays before it whatever the anchor's seconds.
 */
export function minute(ms: number): number {
  return Math.floor(ms / MINUTE) * MINUTE;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Quantities in ERP units carry at most 3 decimals; this also drops float noise such as 0.1 * 3. */
export function round3(q: number): number {
  return Math.round(q * 1000) / 1000;
}

export function round2(q: number): number {
  return Math.round(q * 100) / 100;
}

export const padMaterial = (n: string): string => n.padStart(18, '0');
export const padOrder = (n: string): string => n.padStart(12, '0');
export const padOperation = (sequence: number): string => String(sequence).padStart(4, '0');
