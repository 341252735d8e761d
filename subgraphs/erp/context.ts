import type DataLoader from 'dataloader';
import { entityLoader, groupLoader } from '../../lib/loaders.ts';
import type {
  ErpBomItem,
  ErpConfirmationRecord,
  ErpMaterial,
  ErpOrder,
  ErpRoutingOperation,
  ErpSource,
  ErpStock,
} from './source.ts';

/** Per-request state of the ERP subgraph: fresh loaders, so batching and de-duplication are per request. */
export interface ErpContext {
  source: ErpSource;
  loaders: {
    order: DataLoader<string, ErpOrder | null>;
    material: DataLoader<string, ErpMaterial | null>;
    stock: DataLoader<string, ErpStock[]>;
    bom: DataLoader<string, ErpBomItem[]>;
    routing: DataLoader<string, ErpRoutingOperation[]>;
    confirmations: DataLoader<string, ErpConfirmationRecord[]>;
  };
}

/** The one place an ERP request context is made; cheap (six closures, no I/O). */
export function createErpContext(source: ErpSource): ErpContext {
  return {
    source,
    loaders: {
      order: entityLoader((ids) => source.ordersByIds(ids), (o) => o.id),
      material: entityLoader((ids) => source.materialsByIds(ids), (m) => m.id),
      stock: groupLoader((ids) => source.stockByMaterials(ids), (s) => s.materialId),
      bom: groupLoader((ids) => source.bomByMaterials(ids), (b) => b.materialId),
      routing: groupLoader((ids) => source.routingByOrders(ids), (r) => r.orderId),
      confirmations: groupLoader((ids) => source.confirmationsByOrders(ids), (c) => c.orderId),
    },
  };
}
