import type { JsonClient } from '../../../lib/http-client.ts';
import { erpOrderKey } from '../../erp/ids.ts';
import { odataString } from '../../erp/odata-source.ts';
import type { ErpOrderStatus } from '../../erp/source.ts';

/**
 * The ERP writes of the closed loop, in the hub's words (ids without zeros, canonical units, operation
 * numbers as integers). The OData adapter below is the one implementation; it is the only code that
 * knows the write side of the ERP's API, as `subgraphs/erp/odata-source.ts` is for the read side.
 */
export interface ErpConfirmationPost {
  orderId: string;
  operationSequence: number;
  yieldQuantity: number;
  scrapQuantity: number;
  unit: string;
  /** Stable per confirmation: how a re-post after a lost answer is recognised (`findConfirmation`). */
  externalReference: string;
}

export interface ErpWriter {
  /** Books a confirmation; throws UpstreamError (retry later) or UpstreamRejectedError (never accepted). */
  postConfirmation(c: ErpConfirmationPost): Promise<{ confirmationId: string }>;
  /** The confirmation booked under `externalReference`, if any. */
  findConfirmation(externalReference: string): Promise<{ confirmationId: string } | undefined>;
  /** Sets the order's status (the ERP decides which transitions it allows). */
  setOrderStatus(orderId: string, status: ErpOrderStatus): Promise<void>;
}

interface ConfirmationRow {
  ConfirmationId: string;
}

export function createODataErpWriter(client: JsonClient): ErpWriter {
  return {
    async postConfirmation(c) {
      const row = await client.send<ConfirmationRow>('POST', 'odata/ProductionOrderConfirmations', {
        OrderNumber: erpOrderKey(c.orderId),
        Operation: String(c.operationSequence).padStart(4, '0'),
        Yield: c.yieldQuantity,
        Scrap: c.scrapQuantity,
        Unit: c.unit,
        ExternalReference: c.externalReference,
      });
      return { confirmationId: String(row.ConfirmationId) };
    },
    async findConfirmation(externalReference) {
      const filter = encodeURIComponent(`ExternalReference eq ${odataString(externalReference)}`);
      const page = await client.get<{ value: ConfirmationRow[] }>(
        `odata/ProductionOrderConfirmations?$filter=${filter}&$select=ConfirmationId&$top=1`,
      );
      const row = page?.value[0];
      return row ? { confirmationId: String(row.ConfirmationId) } : undefined;
    },
    async setOrderStatus(orderId, status) {
      await client.send('PATCH', `odata/ProductionOrders('${erpOrderKey(orderId)}')`, { Status: status });
    },
  };
}
