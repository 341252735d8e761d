import type { JsonClient } from '../../../lib/http-client.ts';
import type { MesJobOrder } from '../source.ts';

/**
 * The MES writes of the closed loop: the two keyed writes of the demo MES (systems/README.md). Reads go
 * through `MesSource`; this interface is only what a plant's MES adapter must add to take writes.
 */
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

export interface MesWriter {
  /** Creates the job order once per `externalReference`; a repeat answers the existing one. */
  createJobOrder(job: NewJobOrder): Promise<MesJobOrder>;
  /** Books a report once per `reportId`; a repeat books nothing. */
  report(jobOrderId: string, sequence: number, report: MesReport): Promise<{ duplicate: boolean }>;
}

export function createRestMesWriter(client: JsonClient): MesWriter {
  return {
    createJobOrder: (job) => client.send<MesJobOrder>('POST', 'api/v1/job-orders', job),
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
