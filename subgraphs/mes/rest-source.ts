import type { JsonClient } from '../../lib/http-client.ts';
import type { MesEquipment, MesJobOrder, MesLot, MesQualityResult, MesSource } from './source.ts';

interface ListPage<T> {
  items: T[];
  total: number;
}

/** Ids per `?ids=` call: keeps URLs short; chunks run in parallel so latency stays one round trip. */
const CHUNK = 100;
/** The demo MES's maximum `limit`; larger answers are paged with `offset`. */
const PAGE = 1000;

export function createRestMesSource(client: JsonClient): MesSource {
  async function list<T>(path: string, params: Record<string, string>): Promise<T[]> {
    const out: T[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const qs = new URLSearchParams({ ...params, limit: String(PAGE), offset: String(offset) });
      const page = await client.get<ListPage<T>>(`api/v1/${path}?${qs}`);
      if (!page) return out;
      out.push(...page.items);
      if (page.items.length < PAGE || out.length >= page.total) return out;
    }
  }

  async function byKeys<T>(path: string, param: string, keys: readonly string[]): Promise<T[]> {
    const unique = [...new Set(keys)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += CHUNK) chunks.push(unique.slice(i, i + CHUNK));
    const pages = await Promise.all(chunks.map((c) => list<T>(path, { [param]: c.join(',') })));
    return pages.flat();
  }

  return {
    jobOrdersByIds: (ids) => byKeys<MesJobOrder>('job-orders', 'ids', ids),
    jobOrdersByErpOrders: (ids) => byKeys<MesJobOrder>('job-orders', 'erpOrders', ids),
    allJobOrders: (site) => list<MesJobOrder>('job-orders', site ? { site } : {}),
    equipmentByIds: (ids) => byKeys<MesEquipment>('equipment', 'ids', ids),
    equipmentList: (site) => list<MesEquipment>('equipment', site ? { site } : {}),
    lotsByIds: (ids) => byKeys<MesLot>('material-lots', 'ids', ids),
    lotsByMaterialCodes: (codes) => byKeys<MesLot>('material-lots', 'materialCodes', codes),
    qualityByJobOrders: (ids) => byKeys<MesQualityResult>('quality-results', 'jobOrders', ids),
  };
}
