import { CHARACTERISTICS, DAY, WORK_CENTER_TYPES, iso, type WorkCenterType } from './catalog.ts';
import type { MaterialSpec } from './masterdata.ts';
import type { Rng } from './random.ts';
import type { MesJobOrder, MesLot, MesQualityResult, MesSegment } from './types.ts';

export interface Traceability { lots: MesLot[]; qualityResults: MesQualityResult[] }

export const lotId = (n: number): string => `L-${String(n).padStart(6, '0')}`;
export const qualityId = (n: number): string => `QR-${String(n).padStart(6, '0')}`;

function typeOf(segment: MesSegment): WorkCenterType {
  return WORK_CENTER_TYPES.find((t) => t.description === segment.description)?.type ?? 'MACH';
}

/** A test value inside the limits, or (for a FAIL) just outside them. */
export function testValue(rng: Rng, type: WorkCenterType, pass: boolean): number {
  const [, , lower, upper, decimals] = CHARACTERISTICS[type];
  const span = upper - lower;
  const raw = pass ? rng.float(lower + span * 0.05, upper - span * 0.05) : upper + span * rng.float(0.05, 0.3);
  const f = 10 ** decimals;
  return Math.round(raw * f) / f;
}

export function qualityResult(rng: Rng, id: string, job: MesJobOrder, segment: MesSegment, recordedAt: string): MesQualityResult {
  const type = typeOf(segment);
  const [characteristic, unit, lowerLimit, upperLimit] = CHARACTERISTICS[type];
  const pass = !rng.chance(0.04);
  return { id, jobOrderId: job.id, sequence: segment.sequence, characteristic, value: testValue(rng, type, pass), unit, lowerLimit, upperLimit, result: pass ? 'PASS' : 'FAIL', recordedAt };
}

/**
 * Lots and quality results for the work already done. Jobs arrive in planned-start order, so semi-finished
 * lots exist before the finished goods that consume them: the genealogy reads like a real plant's.
 */
export function generateTraceability(rng: Rng, materials: readonly MaterialSpec[], jobs: readonly MesJobOrder[], anchor: number): Traceability {
  const byCode = new Map(materials.map((m) => [m.mesCode, m]));
  const byNumber = new Map(materials.map((m) => [m.number, m]));
  const lots: MesLot[] = [];
  const qualityResults: MesQualityResult[] = [];
  const pool = new Map<string, MesLot[]>();
  const addLot = (lot: MesLot): MesLot => {
    lots.push(lot);
    const key = `${lot.site}|${lot.materialCode}`;
    pool.set(key, [...(pool.get(key) ?? []), lot]);
    return lot;
  };
  const purchased = (m: MaterialSpec, site: string, at: number): MesLot =>
    addLot({
      id: lotId(lots.length + 1),
      materialCode: m.mesCode,
      site,
      quantity: m.factor === 0.001 ? rng.int(50, 500) * 1000 : rng.int(50, 2000),
      unit: m.mesUnit,
      status: 'AVAILABLE',
      producedByJobOrder: null,
      consumedLots: [],
      createdAt: iso(at),
    });

  for (const m of materials) {
    if (m.kind !== 'RM') continue;
    for (const site of ['1000', '2000']) for (let i = 0; i < 2; i++) purchased(m, site, anchor - rng.int(10, 150) * DAY);
  }

  for (const job of jobs) {
    const active = job.segments.filter((s) => s.status === 'COMPLETED');
    let failed = false;
    active.forEach((s, i) => {
      if (i < active.length - 1 && !rng.chance(0.5)) return;
      const q = qualityResult(rng, qualityId(qualityResults.length + 1), job, s, s.finishedAt ?? iso(anchor));
      failed ||= q.result === 'FAIL';
      qualityResults.push(q);
    });
    const last = job.segments[job.segments.length - 1];
    const material = byCode.get(job.materialCode);
    if (!last || last.goodQuantity <= 0 || !material) continue;
    const at = Date.parse(last.finishedAt ?? last.startedAt ?? iso(anchor));
    const consumed = material.components.slice(0, 3).map((c) => {
      const component = byNumber.get(c.number);
      if (!component) return undefined;
      const candidates = pool.get(`${job.site}|${component.mesCode}`)?.filter((l) => l.status !== 'BLOCKED') ?? [];
      const lot = candidates.length > 0 ? rng.pick(candidates) : purchased(component, job.site, at - 3 * DAY);
      lot.status = 'CONSUMED';
      return lot.id;
    });
    addLot({
      id: lotId(lots.length + 1),
      materialCode: job.materialCode,
      site: job.site,
      quantity: last.goodQuantity,
      unit: job.unit,
      status: failed ? 'BLOCKED' : 'AVAILABLE',
      producedByJobOrder: job.id,
      consumedLots: consumed.filter((id): id is string => !!id),
      createdAt: iso(at),
    });
  }
  return { lots, qualityResults };
}
