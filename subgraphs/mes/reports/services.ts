import type { ReportsConfig } from '../../../lib/config.ts';
import type { ErpSource } from '../../erp/source.ts';

/**
 * What the report fields need beyond the MES: their bounds, and the ERP read-only (the cost and summary
 * reports join both systems in bulk, as reconciliation does, instead of one entity fetch per order).
 */
export interface ReportServices {
  erp: ErpSource;
  config: ReportsConfig;
}

