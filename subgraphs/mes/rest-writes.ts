import type { JsonClient } from '../../lib/http-client.ts';
import type { MesJobOrder } from './source.ts';

/**
 * What the closed loop and the reconciliation need of the MES beyond `MesSource`: every job order of a
 * site (a plant-wide join cannot ask by order number, or it would never see an orphan), and the two
 * keyed writes (systems/README.md). Kept beside `MesSource` rather than in it so that wrappers of the
 * read interface (the entity cache) are not affected.
 */
export interface MesJobOrderRecord extends MesJobOrder {
  externalReference?: string;
}

export interface NewJobOrder {
  externalReference: string;
  erpOrder: string;
  site: string;
  materialCode: string;
  quantity: number;
  unit: string;
  plannedStart: string;
  plannedEnd: string;
  segments: { sequence: number; description: string; workCenter: string }[];
}

export interface MesReport {
  reportId: string;
  goodQuantity: number;
  scrapQuantity: number;
}

export interface MesWriteSource {
  allJobOrders(site?: string): Promise<MesJobOrderRecord[]>;
  jobOrdersOfOrders(erpOrderIds: readonly string[]): Promise<MesJobOrderRecord[]>;
  /** Creates the job order once per `externalReference`; a repeat answers the existing one. */
  createJobOrder(job: NewJobOrder): Promise<MesJobOrderRecord>;
  /** Books a report once per `reportId`; a repeat books nothing. */
  report(jobOrderId: string, sequence: number, report: MesReport): Promise<{ duplicate: boolean }>;
}

/** The demo MES's maximum `limit`. */
const PAGE = 1000;

export function createRestMesWriteSource(client: JsonClient): MesWriteSource {
  async function list(params: Record<string, string>): Promise<MesJobOrderRecord[]> {
    const out: MesJobOrderRecord[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const qs = new URLSearchParams({ ...params, limit: String(PAGE), offset: String(offset) });
      const page = await client.get<{ items: MesJobOrderRecord[]; total: number }>(`api/v1/job-orders?${qs}`);
      if (!page) return out;
      out.push(...page.items);
      if (page.items.length < PAGE || out.length >= page.total) return out;
    }
  }
  return {
    allJobOrders: (site) => list(site ? { site } : {}),
    jobOrdersOfOrders: (ids) => (ids.length ? list({ erpOrders: ids.join(',') }) : Promise.resolve([])),
    createJobOrder: (job) => client.send<MesJobOrderRecord>('POST', 'api/v1/job-orders', job),
    async report(jobOrderId, sequence, report) {
      const answer = await client.send<{ duplicate: boolean }>(
        'POST',
        `api/v1/job-orders/${encodeURIComponent(jobOrderId)}/segments/${sequence}/reports`,
        report,
      );
      return { duplicate: answer.duplicate };
    },
  };
}
