import { beforeAll, describe, expect, it } from 'vitest';
import { ERP_STATUSES, generatePlant, type GeneratedPlant, type MesJobOrder } from '../../systems/plant.ts';

let plant: GeneratedPlant;
let mappingByCode: Map<string, { factor: number | null; erpMaterial: string }>;
let jobsByOrder: Map<string, MesJobOrder[]>;

beforeAll(() => {
  plant = generatePlant({ seed: 42, scale: 1 });
  mappingByCode = new Map(plant.mes.mapping.map((m) => [m.mesCode, m]));
  jobsByOrder = new Map();
  for (const j of plant.mes.jobOrders) jobsByOrder.set(j.erpOrder, [...(jobsByOrder.get(j.erpOrder) ?? []), j]);
});

const unpad = (s: string): string => s.replace(/^0+/, '');
const faultOrders = (kinds: string[]): Set<string> =>
  new Set(plant.seededFaults.filter((f) => kinds.includes(f.kind) && f.erpOrder).map((f) => f.erpOrder as string));

describe('the generated plant', () => {
  it('is the same for the same seed and different for another seed', () => {
    const again = generatePlant({ seed: 42, scale: 1 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(plant));
    const other = generatePlant({ seed: 7, scale: 1 });
    expect(JSON.stringify(other.erp.orders)).not.toBe(JSON.stringify(plant.erp.orders));
    expect(JSON.stringify(other.mes.mapping)).not.toBe(JSON.stringify(plant.mes.mapping));
  });

  it('meets the documented minimums at scale 1', () => {
    expect(plant.erp.materials.length).toBeGreaterThanOrEqual(300);
    expect(plant.erp.orders.length).toBeGreaterThanOrEqual(1000);
    expect(plant.mes.jobOrders.length).toBeGreaterThanOrEqual(2500);
    expect(plant.mes.equipment.length).toBeGreaterThanOrEqual(30);
    expect(new Set(plant.erp.orders.map((o) => o.Status))).toEqual(new Set(ERP_STATUSES));
    expect(new Set(plant.mes.jobOrders.map((j) => j.site))).toEqual(new Set(['1000', '2000', '3000']));
    expect(plant.mes.equipment.filter((e) => e.site === '3000')).toHaveLength(2);
  });

  it('grows with the scale', () => {
    const small = generatePlant({ seed: 42, scale: 0.2 });
    expect(small.erp.orders.length).toBeLessThan(plant.erp.orders.length / 2);
    expect(small.seededFaults.some((f) => f.kind === 'ORPHAN_WORK_ORDER')).toBe(true);
  });

  it('pads ERP numbers and keeps MES codes of its own', () => {
    for (const m of plant.erp.materials) expect(m.Material).toMatch(/^\d{18}$/);
    for (const o of plant.erp.orders) expect(o.OrderNumber).toMatch(/^\d{12}$/);
    for (const j of plant.mes.jobOrders) {
      expect(j.erpOrder).toMatch(/^[1-9]\d*$/);
      expect(j.materialCode).toMatch(/^A-7\d{4}$/);
    }
    const units = new Set(plant.mes.jobOrders.map((j) => j.unit));
    for (const u of ['g', 'BOX10', 'kg', 'KGM', 'EA', 'H87', 'PCE', 'MTR', 'LTR']) expect(units).toContain(u);
    expect(new Set(plant.erp.materials.map((m) => m.BaseUnit))).toEqual(new Set(['PC', 'KG', 'M', 'L']));
  });

  it('splits every released order into job orders that sum to the planned quantity', () => {
    let checked = 0;
    for (const o of plant.erp.orders) {
      const jobs = jobsByOrder.get(unpad(o.OrderNumber)) ?? [];
      if (o.Status === 'CREATED') {
        expect(jobs).toHaveLength(0);
        continue;
      }
      expect(jobs.length).toBeGreaterThanOrEqual(1);
      expect(jobs.length).toBeLessThanOrEqual(3);
      const row = mappingByCode.get(jobs[0]?.materialCode ?? '');
      if (!row || row.factor === null) continue;
      expect(unpad(o.Material)).toBe(row.erpMaterial);
      const mesTotal = jobs.reduce((s, j) => s + j.quantity, 0);
      expect(mesTotal * row.factor).toBeCloseTo(o.PlannedQuantity, 6);
      checked++;
    }
    expect(checked).toBeGreaterThan(900);
  });

  it('books in the ERP what the MES reported, except on the seeded drifts', () => {
    const drifted = faultOrders(['QUANTITY_DRIFT', 'SCRAP_DRIFT', 'DUPLICATE_CONFIRMATION']);
    const confirmedStates = new Set(['PARTIALLY_CONFIRMED', 'CONFIRMED', 'TECHNICALLY_COMPLETED', 'CLOSED']);
    let checked = 0;
    for (const o of plant.erp.orders) {
      const n = unpad(o.OrderNumber);
      if (!confirmedStates.has(o.Status) || drifted.has(n)) continue;
      const jobs = jobsByOrder.get(n) ?? [];
      const row = mappingByCode.get(jobs[0]?.materialCode ?? '');
      if (!row || row.factor === null) continue;
      const f = row.factor;
      const good = jobs.reduce((s, j) => s + (j.segments[j.segments.length - 1]?.goodQuantity ?? 0), 0);
      const scrap = jobs.reduce((s, j) => s + j.segments.reduce((t, seg) => t + seg.scrapQuantity, 0), 0);
      expect(o.ConfirmedYield).toBeCloseTo(good * f, 6);
      expect(o.ConfirmedScrap).toBeCloseTo(scrap * f, 6);
      checked++;
    }
    expect(checked).toBeGreaterThan(600);
    for (const n of faultOrders(['QUANTITY_DRIFT'])) {
      const o = plant.erp.orders.find((x) => unpad(x.OrderNumber) === n);
      const jobs = jobsByOrder.get(n) ?? [];
      const f = mappingByCode.get(jobs[0]?.materialCode ?? '')?.factor ?? 1;
      const good = jobs.reduce((s, j) => s + (j.segments[j.segments.length - 1]?.goodQuantity ?? 0), 0);
      expect(Math.abs((o?.ConfirmedYield ?? 0) - good * f)).toBeGreaterThan(0.5);
    }
  });

  it('keeps job statuses in line with the ERP status', () => {
    const drift = faultOrders(['STATUS_DRIFT']);
    for (const o of plant.erp.orders) {
      const jobs = jobsByOrder.get(unpad(o.OrderNumber)) ?? [];
      const statuses = new Set(jobs.map((j) => j.status));
      if (['CONFIRMED', 'TECHNICALLY_COMPLETED', 'CLOSED'].includes(o.Status) && !drift.has(unpad(o.OrderNumber))) expect([...statuses]).toEqual(['COMPLETED']);
      if (o.Status === 'PARTIALLY_CONFIRMED') for (const s of statuses) expect(['RUNNING', 'PAUSED']).toContain(s);
      if (o.Status === 'RELEASED') for (const s of statuses) expect(['PLANNED', 'RUNNING']).toContain(s);
    }
    for (const j of plant.mes.jobOrders.filter((x) => x.status === 'COMPLETED')) {
      for (const s of j.segments) expect(s.goodQuantity).toBe(j.quantity);
    }
  });

  it('seeds every documented fault, where the hub will meet it', () => {
    const kinds = (k: string) => plant.seededFaults.filter((f) => f.kind === k);
    const usedCodes = new Set(plant.mes.jobOrders.map((j) => j.materialCode));
    const unmapped = kinds('UNMAPPED_MATERIAL');
    expect(unmapped.length).toBeGreaterThanOrEqual(3);
    expect(unmapped.length).toBeLessThanOrEqual(5);
    for (const f of unmapped) {
      expect(mappingByCode.has(f.mesCode ?? '')).toBe(false);
      expect(usedCodes).toContain(f.mesCode);
    }
    const mismatched = kinds('UNIT_MISMATCH');
    expect(mismatched.length).toBeGreaterThanOrEqual(2);
    for (const f of mismatched) {
      expect(mappingByCode.get(f.mesCode ?? '')?.factor).toBeNull();
      expect(usedCodes).toContain(f.mesCode);
    }
    expect(kinds('QUANTITY_DRIFT').length).toBeGreaterThanOrEqual(3);
    expect(kinds('SCRAP_DRIFT').length).toBeGreaterThanOrEqual(2);

    const [status] = kinds('STATUS_DRIFT');
    const closed = plant.erp.orders.find((o) => unpad(o.OrderNumber) === status?.erpOrder);
    expect(closed?.Status).toBe('CLOSED');
    expect(plant.mes.jobOrders.find((j) => j.id === status?.jobOrderId)?.status).toBe('RUNNING');

    const [orphan] = kinds('ORPHAN_WORK_ORDER');
    const orphanJob = plant.mes.jobOrders.find((j) => j.id === orphan?.jobOrderId);
    expect(orphanJob).toMatchObject({ erpOrder: '9999999', site: '3000' });
    expect(plant.erp.orders.some((o) => unpad(o.OrderNumber) === '9999999')).toBe(false);

    const [dup] = kinds('DUPLICATE_CONFIRMATION');
    const refs = plant.erp.confirmations.filter((c) => unpad(c.OrderNumber) === dup?.erpOrder).map((c) => c.ExternalReference);
    expect(refs.length - new Set(refs).size).toBe(1);
    const allRefs = plant.erp.confirmations.map((c) => c.ExternalReference);
    expect(allRefs.length - new Set(allRefs).size).toBe(1);
  });

  it('traces finished lots back to the lots they consumed', () => {
    const lots = new Map(plant.mes.lots.map((l) => [l.id, l]));
    const produced = plant.mes.lots.filter((l) => l.producedByJobOrder && l.consumedLots.length > 0);
    expect(produced.length).toBeGreaterThan(1000);
    for (const l of produced.slice(0, 200)) for (const c of l.consumedLots) expect(lots.get(c)?.status).toBe('CONSUMED');
    expect(new Set(plant.mes.qualityResults.map((q) => q.result))).toEqual(new Set(['PASS', 'FAIL']));
  });
});
