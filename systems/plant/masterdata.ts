import {
  DAY, FINISHED, HOUR, MES_UNITS, PLANTS, RAW, SEMI_FINISHED, WORK_CENTER_TYPES,
  iso, padMaterial, round2, round3,
  type BaseUnit, type Family, type WorkCenterType,
} from './catalog.ts';
import type { Rng } from './random.ts';
import type { EquipmentState, ErpBomItem, ErpMaterial, ErpStock, ErpWorkCenter, MesEquipment } from './types.ts';

export type MaterialKind = 'FG' | 'SF' | 'RM';

/** A material as the generator sees it, including what neither system says outright (the true factor). */
export interface MaterialSpec {
  number: string;
  kind: MaterialKind;
  description: string;
  baseUnit: BaseUnit;
  group: string;
  cost: number;
  mesCode: string;
  mesUnit: string;
  /** ERP quantity per MES quantity; also right for faulted materials, whose mapping row lies or is missing. */
  factor: number;
  mapping: 'ok' | 'unmapped' | 'mismatch';
  components: { number: string; quantity: number }[];
}

export interface WorkCenterSpec { code: string; plant: string; type: WorkCenterType; description: string; equipment: string[] }

export interface MasterData {
  materials: MaterialSpec[];
  byNumber: Map<string, MaterialSpec>;
  workCenters: WorkCenterSpec[];
  equipment: MesEquipment[];
  /** The MES-only pilot site: its work center is unknown to the ERP. */
  pilot: WorkCenterSpec;
}

const KIND_BASE: Record<MaterialKind, { families: readonly Family[]; count: number; min: number; first: number }> = {
  FG: { families: FINISHED, count: 60, min: 6, first: 400001 },
  SF: { families: SEMI_FINISHED, count: 80, min: 8, first: 300001 },
  RM: { families: RAW, count: 180, min: 16, first: 100001 },
};

export function scaled(base: number, scale: number, min: number): number {
  return Math.max(min, Math.round(base * scale));
}

function initials(name: string): string {
  return name.split(/[\s-]+/).map((w) => w[0] ?? '').join('').toUpperCase().slice(0, 3);
}

function cost(rng: Rng, kind: MaterialKind): number {
  if (kind === 'FG') return round2(rng.float(40, 900));
  if (kind === 'SF') return round2(rng.float(5, 150));
  return round2(rng.float(0.4, 30));
}

export function generateMaterials(rng: Rng, scale: number): MaterialSpec[] {
  const materials: MaterialSpec[] = [];
  for (const kind of ['FG', 'SF', 'RM'] as const) {
    const { families, count, min, first } = KIND_BASE[kind];
    const n = scaled(count, scale, min);
    for (let i = 0; i < n; i++) {
      const family = families[i % families.length] as Family;
      const [name, baseUnit, group] = family;
      const [mesUnit, factor] = rng.weighted(MES_UNITS[baseUnit].map((u) => [u, u[2]] as const));
      materials.push({
        number: String(first + i),
        kind,
        description: `${name} ${initials(name)}-${rng.int(100, 999)}${String.fromCharCode(65 + (i % 26))}`,
        baseUnit,
        group,
        cost: cost(rng, kind),
        mesCode: '',
        mesUnit,
        factor,
        mapping: 'ok',
        components: [],
      });
    }
  }
  // MES codes come from the MES's own numbering, unrelated to the ERP number.
  const codes = rng.shuffle(materials.map((_, i) => i));
  materials.forEach((m, i) => {
    m.mesCode = `A-7${String(codes[i] ?? i).padStart(4, '0')}`;
  });
  assignBoms(rng, materials);
  return materials;
}

function componentQuantity(rng: Rng, unit: BaseUnit): number {
  if (unit === 'PC') return rng.int(1, 4);
  if (unit === 'KG') return round3(rng.float(0.1, 5));
  if (unit === 'M') return round3(rng.float(0.5, 10));
  return round3(rng.float(0.1, 2));
}

function assignBoms(rng: Rng, materials: MaterialSpec[]): void {
  const semi = materials.filter((m) => m.kind === 'SF');
  const raw = materials.filter((m) => m.kind === 'RM');
  for (const m of materials) {
    if (m.kind === 'RM') continue;
    const parts = m.kind === 'FG' ? [rng.pick(semi), ...rng.shuffle(raw).slice(0, rng.int(1, 3))] : rng.shuffle(raw).slice(0, rng.int(2, 3));
    m.components = parts.map((c) => ({ number: c.number, quantity: componentQuantity(rng, c.baseUnit) }));
  }
}

export function generateWorkCenters(rng: Rng, scale: number, anchor: number): Pick<MasterData, 'workCenters' | 'equipment' | 'pilot'> {
  const perCenter = scaled(4, scale, 1);
  const workCenters: WorkCenterSpec[] = [];
  const equipment: MesEquipment[] = [];
  const state = (): EquipmentState =>
    rng.weighted([['RUNNING', 50], ['IDLE', 25], ['SETUP', 10], ['DOWN', 8], ['MAINTENANCE', 7]] as const);
  for (const plant of PLANTS) {
    let n = 0;
    for (const t of WORK_CENTER_TYPES) {
      const wc: WorkCenterSpec = { code: `${t.type}${plant.Plant}`, plant: plant.Plant, type: t.type, description: `${t.description} ${plant.Name}`, equipment: [] };
      for (let i = 1; i <= perCenter; i++) {
        const id = `EQ-${plant.Plant}-${String(++n).padStart(2, '0')}`;
        wc.equipment.push(id);
        equipment.push({ id, name: `${t.machine} ${i}`, site: plant.Plant, workCenter: wc.code, state: state(), stateSince: iso(anchor - rng.int(5, 600) * 60_000) });
      }
      workCenters.push(wc);
    }
  }
  const pilot: WorkCenterSpec = { code: 'PILOT3000', plant: '3000', type: 'MIX', description: 'Pilot line', equipment: ['EQ-3000-01', 'EQ-3000-02'] };
  equipment.push(
    { id: 'EQ-3000-01', name: 'Pilot reactor', site: '3000', workCenter: pilot.code, state: 'RUNNING', stateSince: iso(anchor - 2 * HOUR) },
    { id: 'EQ-3000-02', name: 'Pilot filler', site: '3000', workCenter: pilot.code, state: 'IDLE', stateSince: iso(anchor - DAY) },
  );
  return { workCenters, equipment, pilot };
}

export function erpMaterials(materials: readonly MaterialSpec[]): ErpMaterial[] {
  const type = { FG: 'FERT', SF: 'HALB', RM: 'ROH' } as const;
  return materials.map((m) => ({
    Material: padMaterial(m.number),
    Description: m.description,
    BaseUnit: m.baseUnit,
    MaterialType: type[m.kind],
    StandardCost: m.cost,
    Currency: 'EUR',
    MaterialGroup: m.group,
  }));
}

export function erpStock(rng: Rng, materials: readonly MaterialSpec[]): ErpStock[] {
  const rows: ErpStock[] = [];
  for (const m of materials) {
    for (const plant of PLANTS) {
      for (const sloc of ['0001', '0002']) {
        const q = m.baseUnit === 'PC' ? rng.int(0, 800) : round3(rng.float(0, 2500));
        rows.push({ Material: padMaterial(m.number), Plant: plant.Plant, StorageLocation: sloc, Quantity: q, Unit: m.baseUnit });
      }
    }
  }
  return rows;
}

export function erpBom(materials: readonly MaterialSpec[], byNumber: ReadonlyMap<string, MaterialSpec>): ErpBomItem[] {
  const rows: ErpBomItem[] = [];
  for (const m of materials) {
    for (const plant of PLANTS) {
      m.components.forEach((c, i) => {
        rows.push({
          Material: padMaterial(m.number),
          Plant: plant.Plant,
          Item: String((i + 1) * 10).padStart(4, '0'),
          Component: padMaterial(c.number),
          Quantity: c.quantity,
          Unit: byNumber.get(c.number)?.baseUnit ?? 'PC',
        });
      });
    }
  }
  return rows;
}

export function erpWorkCenters(workCenters: readonly WorkCenterSpec[]): ErpWorkCenter[] {
  return workCenters.map((w) => ({ WorkCenter: w.code, Plant: w.plant, Description: w.description }));
}
