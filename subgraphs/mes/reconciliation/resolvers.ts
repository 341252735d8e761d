import { badUserInput } from '../../../lib/errors.ts';
import { pageArgs, toConnection } from '../../../lib/connection.ts';
import type { MesContext } from '../context.ts';
import type { DiscrepancyKind, Resolvers, Severity } from '../generated.ts';
import { workOrderView } from '../model.ts';
import { compareOrder, type ConfirmationFacts, type DiscrepancyRecord, type OrderFacts } from './compare.ts';
import { masterDataIssues } from './master-data.ts';
import { reconcile } from './report.ts';

/** At run time the representation the gateway sent: id plus every field `discrepancies` @requires. */
interface DiscrepancyRef {
  id: string;
  status: OrderFacts['status'];
  plant: string;
  plannedStart: string;
  plannedQuantity: number;
  unit: string;
  confirmedQuantity: number;
  confirmedScrapQuantity: number;
  material: { id: string };
  routing: { sequence: number }[];
  confirmations: ConfirmationFacts[];
}

function factsFromRef(ref: DiscrepancyRef): OrderFacts {
  return {
    id: ref.id,
    plant: ref.plant,
    status: ref.status,
    plannedQuantity: ref.plannedQuantity,
    unit: ref.unit,
    plannedStart: ref.plannedStart,
    materialId: ref.material.id,
    confirmedQuantity: ref.confirmedQuantity,
    confirmedScrapQuantity: ref.confirmedScrapQuantity,
    operations: ref.routing.map((r) => r.sequence),
    confirmations: ref.confirmations,
  };
}

function checkDate(value: string | null | undefined, arg: string): string | undefined {
  if (value == null) return undefined;
  if (Number.isNaN(Date.parse(value))) throw badUserInput(`"${arg}" is not an ISO 8601 date-time.`, arg);
  return value;
}

const tolerances = (ctx: MesContext) => ({ abs: ctx.integrity.config.toleranceAbs, ratio: ctx.integrity.config.toleranceRatio });

export const reconciliationResolvers: Resolvers = {
  Query: {
    reconciliation: async (_root, args, ctx) => {
      const { offset, limit } = pageArgs('disc', args.first, args.after);
      if (args.plant != null && args.plant.length > 64) throw badUserInput('"plant" is longer than 64 characters.', 'plant');
      const all = await reconcile(
        { erp: ctx.integrity.erp, mes: ctx.integrity.mes, mapping: ctx.mapping, tolerances: tolerances(ctx) },
        { plant: args.plant ?? undefined, from: checkDate(args.period?.from, 'period.from'), to: checkDate(args.period?.to, 'period.to') },
      );
      const kinds = args.kinds?.length ? new Set<DiscrepancyKind>(args.kinds) : undefined;
      const severities = args.severities?.length ? new Set<Severity>(args.severities) : undefined;
      const wanted = all.filter((d) => (!kinds || kinds.has(d.kind)) && (!severities || severities.has(d.severity)));
      return toConnection('disc', wanted.slice(offset, offset + limit), offset, wanted.length);
    },
    masterDataIssues: async (_root, args, ctx) => {
      const { erp, mes } = ctx.integrity;
      const [jobs, orders] = await Promise.all([mes.allJobOrders(), erp.orders({ orderBy: 'ID_ASC', offset: 0, limit: 10_000_000 })]);
      const mesCodes = new Map<string, { unit: string; count: number }>();
      for (const j of jobs) mesCodes.set(j.materialCode, { unit: j.unit, count: (mesCodes.get(j.materialCode)?.count ?? 0) + 1 });
      const erpMaterials = new Map<string, number>();
      for (const o of orders.items) erpMaterials.set(o.materialId, (erpMaterials.get(o.materialId) ?? 0) + 1);
      const asked = [...new Set([...erpMaterials.keys(), ...ctx.mapping.rows.map((r) => r.erpMaterial)])];
      const materials = await erp.materialsByIds(asked);
      const issues = masterDataIssues({ rows: ctx.mapping.rows, mesCodes, erpMaterials, baseUnits: new Map(materials.map((m) => [m.id, m.baseUnit])) });
      const kinds = args.kinds?.length ? new Set(args.kinds) : undefined;
      return kinds ? issues.filter((i) => kinds.has(i.kind)) : issues;
    },
  },
  ProductionOrder: {
    discrepancies: async (ref, _args, ctx) => {
      const facts = factsFromRef(ref as unknown as DiscrepancyRef);
      return compareOrder(facts, await ctx.loaders.jobsByOrder.load(ref.id), ctx.mapping, tolerances(ctx));
    },
  },
  Discrepancy: {
    productionOrder: (d: DiscrepancyRecord) => (d.orderId === null ? null : { id: d.orderId }),
    workOrders: async (d: DiscrepancyRecord, _args, ctx) => {
      const jobs = await ctx.loaders.job.loadMany(d.workOrderIds);
      return jobs.flatMap((j) => (j && !(j instanceof Error) ? [workOrderView(j, ctx.mapping)] : []));
    },
  },
  MasterDataIssue: {
    material: (i) => (i.erpMaterialId ? { id: i.erpMaterialId } : null),
  },
};
