/** Resolvers of the report fields served by the MES subgraph (README, "Reports"). */
import type { Resolvers } from '../generated.ts';
import { roundQuantity } from '../../../lib/units.ts';
import { workOrderView } from '../model.ts';
import { validId } from '../resolvers.ts';
import DataLoader from 'dataloader';
import type { MesContext } from '../context.ts';
import type { CostAnalysisRecord } from './cost.ts';
import { costAnalyses, type CostDeps } from './cost-data.ts';
import { costReport } from './cost-report.ts';
import { productionSummary } from './summary.ts';
import { traceLot } from './trace.ts';

const costDeps = (ctx: MesContext): CostDeps => ({ erp: ctx.reports.erp, mes: ctx.source, mapping: ctx.mapping });

/** Per request: every order's costAnalysis in the response is worked out in one batch. */
const costLoaders = new WeakMap<MesContext, DataLoader<string, CostAnalysisRecord | null>>();
function costLoader(ctx: MesContext): DataLoader<string, CostAnalysisRecord | null> {
  let loader = costLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids) => {
      const orders = await ctx.reports.erp.ordersByIds(ids);
      const byId = new Map((await costAnalyses(costDeps(ctx), orders)).map((a) => [a.orderId, a]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    costLoaders.set(ctx, loader);
  }
  return loader;
}

/** Deep enough for raw material -> semi-finished -> finished -> kit chains, small enough to stay cheap. */
const DEFAULT_DEPTH = 10;

export const reportResolvers: Resolvers = {
  Query: {
    traceLot: (_root, { id, direction, maxDepth }, ctx) =>
      validId(id) ? traceLot(ctx, ctx.reports.config, id, direction, maxDepth ?? Math.min(DEFAULT_DEPTH, ctx.reports.config.traceMaxDepth)) : null,
    costReport: (_root, args, ctx) => costReport(costDeps(ctx), args),
    productionSummary: (_root, args, ctx) =>
      productionSummary({ ...costDeps(ctx), jobs: (site) => ctx.integrity.mes.allJobOrders(site) }, args),
  },
  ProductionOrder: {
    costAnalysis: (ref, _args, ctx) => costLoader(ctx).load(ref.id),
  },
  CostLine: {
    material: (l) => (l.materialId ? { id: l.materialId } : null),
  },
  ProductionSummaryRow: {
    material: (r) => (r.materialId ? { id: r.materialId } : null),
  },
  CostReportRow: {
    material: (r) => (r.materialId ? { id: r.materialId } : null),
    productionOrder: (r) => (r.orderId ? { id: r.orderId } : null),
  },
  TraceNode: {
    material: (n, _args, ctx) => {
      const erp = ctx.mapping.row(n.item.lot.materialCode)?.erpMaterial;
      return erp ? { id: erp } : null;
    },
    workOrder: (n, _args, ctx) => (n.item.jobOrder ? workOrderView(n.item.jobOrder, ctx.mapping) : null),
    productionOrder: (n) => (n.item.jobOrder ? { id: n.item.jobOrder.erpOrder } : null),
    qualityResults: (n) => n.item.qualityResults,
  },
  TraceLink: {
    consumedLot: (l) => l.link.consumedLot,
    producedLot: (l) => l.link.producedLot,
    quantity: (l, _args, ctx) => {
      const conv = ctx.mapping.conversion(l.consumed.item.lot.materialCode, l.link.unit);
      return roundQuantity(l.link.quantity * (conv.ok ? conv.factor : 1));
    },
    unit: (l, _args, ctx) => {
      const conv = ctx.mapping.conversion(l.consumed.item.lot.materialCode, l.link.unit);
      return conv.ok ? conv.unit : l.link.unit;
    },
    unitConverted: (l, _args, ctx) => ctx.mapping.conversion(l.consumed.item.lot.materialCode, l.link.unit).ok,
    workOrder: async (l, _args, ctx) => {
      const job = l.produced.item.jobOrder?.id === l.link.jobOrderId ? l.produced.item.jobOrder : await ctx.loaders.job.load(l.link.jobOrderId);
      return job ? workOrderView(job, ctx.mapping) : null;
    },
    consumedAt: (l) => l.link.consumedAt,
  },
};
