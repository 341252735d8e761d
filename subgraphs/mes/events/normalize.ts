import { text as str } from '../../../lib/fields.ts';
import { stripLeadingZeros } from '../../../lib/ids.ts';
import { roundQuantity } from '../../../lib/units.ts';
import type { HubEventInput } from '../../../lib/events/types.ts';
import type { MaterialMapping } from '../mapping.ts';
import type { MesSource } from '../source.ts';
import type { MesFeedEvent } from './feed.ts';

/**
 * Turns an MES feed event into a hub event: ERP order number without leading zeros, plant, and
 * quantities in the ERP base unit of the work order's material when the mapping converts them (else the
 * MES unit, flagged `unitConverted: false`). Answers null for MES event types the hub does not publish.
 */
export interface Normalizer {
  normalize(e: MesFeedEvent): Promise<HubEventInput | null>;
}

const PHASES: Record<string, 'started' | 'progress' | 'completed'> = {
  'operation.started': 'started',
  'operation.progress': 'progress',
  'operation.completed': 'completed',
};

/** Work orders' material codes never change; keeping a bounded map saves an MES call per event. */
const MATERIAL_CACHE_SIZE = 10_000;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function createNormalizer(source: MesSource, mapping: () => MaterialMapping): Normalizer {
  const materialOf = new Map<string, string | null>();

  async function materialCode(jobOrderId: string): Promise<string | null> {
    if (materialOf.has(jobOrderId)) return materialOf.get(jobOrderId) ?? null;
    const [job] = await source.jobOrdersByIds([jobOrderId]);
    const code = job?.materialCode ?? null;
    if (materialOf.size >= MATERIAL_CACHE_SIZE) materialOf.clear();
    materialOf.set(jobOrderId, code);
    return code;
  }

  return {
    async normalize(e) {
      const base = { occurredAt: str(e.occurredAt), plant: str(e.site), mesEventId: e.id };
      const phase = PHASES[e.type];
      if (phase) {
        const workOrderId = str(e.jobOrderId);
        const code = await materialCode(workOrderId);
        const conv = code ? mapping().conversion(code, str(e.unit)) : undefined;
        const f = conv?.ok ? conv.factor : 1;
        const q = (v: unknown) => roundQuantity(num(v) * f);
        return {
          ...base,
          type: 'ProductionProgress',
          phase,
          productionOrderId: stripLeadingZeros(str(e.erpOrder)),
          workOrderId,
          operationSequence: num(e.sequence),
          equipmentId: e.equipmentId == null ? null : str(e.equipmentId),
          operationStatus: str(e.status),
          erpMaterial: conv?.erpMaterial ?? null,
          unit: conv?.ok ? conv.unit : str(e.unit),
          unitConverted: conv?.ok ?? false,
          goodQuantity: q(e.goodQuantity),
          scrapQuantity: q(e.scrapQuantity),
          deltaGood: q(e.deltaGood),
          deltaScrap: q(e.deltaScrap),
        };
      }
      switch (e.type) {
        case 'joborder.status':
          return {
            ...base,
            type: 'WorkOrderStatusChanged',
            productionOrderId: stripLeadingZeros(str(e.erpOrder)),
            workOrderId: str(e.jobOrderId),
            previousStatus: str(e.previousStatus),
            status: str(e.status),
          };
        case 'equipment.state':
          return {
            ...base,
            type: 'EquipmentStateChanged',
            equipmentId: str(e.equipmentId),
            previousState: str(e.previousState),
            state: str(e.state),
          };
        case 'quality.result':
          return {
            ...base,
            type: 'QualityResultRecorded',
            productionOrderId: stripLeadingZeros(str(e.erpOrder)),
            workOrderId: str(e.jobOrderId),
            resultId: str(e.resultId),
            characteristic: str(e.characteristic),
            result: str(e.result),
          };
        default:
          return null;
      }
    },
  };
}
