import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { roundQuantity } from '../../lib/units.ts';
import type { MesContext } from './context.ts';
import type { Resolvers } from './generated.ts';
import {
  executionTotals,
  type ExecutionTotals,
  lotView,
  operationViews,
  workOrderView,
  type OrderExecutionRef,
  type WorkOrderView,
} from './model.ts';

/** MES ids are opaque; anything that cannot be one answers null without asking the MES. */
const MES_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
export const validId = (id: string): string | undefined => (MES_ID.test(id) ? id : undefined);

export async function orderJobs(ref: { id: string }, ctx: MesContext) {
  return ctx.loaders.jobsByOrder.load(ref.id);
}

/**
 * The generated parent type is a deep pick of OrderExecutionRef that TypeScript cannot narrow back;
 * at run time it is exactly the representation the gateway sent (id plus the @requires fields).
 */
export async function totals(ref: { id: string }, ctx: MesContext): Promise<ExecutionTotals> {
  // producedQuantity, scrapQuantity and progress share one representation object: sum its work orders once.
  let t = totalsByRef.get(ref);
  if (!t) {
    const order = ref as OrderExecutionRef;
    t = orderJobs(ref, ctx).then((jobs) => executionTotals({ unit: order.unit, materialId: order.material?.id }, jobs, ctx.mapping));
    totalsByRef.set(ref, t);
  }
  return t;
}

/** Keyed by the request's own representation objects, so it lives exactly as long as the request. */
const totalsByRef = new WeakMap<object, Promise<ExecutionTotals>>();

/** True when a field's selection asks for `path` (each step directly, or through an inline fragment or a fragment spread). */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  const visit = (set: SelectionSetNode | undefined, depth: number): boolean =>
    !!set &&
    set.selections.some((s) =>
      s.kind === Kind.FIELD
        ? s.name.value === path[depth] && (depth === path.length - 1 || visit(s.selectionSet, depth + 1))
        : visit(s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : info.fragments[s.name.value]?.selectionSet, depth),
    );
  return info.fieldNodes.some((f) => visit(f.selectionSet, 0));
}

/**
 * Loads the equipment of work orders' operations into their operation views, when the query asks for
 * it: one awaited load for all the work orders of a production order, not one per work order or per
 * operation. Each operation then completes synchronously, which spares GraphQL execution a promise per
 * work order and per operation object. Same DataLoader, same batch, same records; a failed load is
 * left to the field (Operation.equipment loads it again and reports the error there).
 */
async function attachEquipment(views: readonly WorkOrderView[], ctx: MesContext): Promise<void> {
  const ops = views.flatMap((v) => operationViews(v));
  // A line's few machines recur on every work order: ask the loader once per machine.
  const ids = [...new Set(ops.flatMap((o) => (o.seg.equipmentId ? [o.seg.equipmentId] : [])))];
  const found = await ctx.loaders.equipment.loadMany(ids);
  const byId = new Map(ids.map((id, i) => [id, found[i]] as const));
  for (const o of ops) {
    if (!o.seg.equipmentId) o.equipment = null;
    else {
      const e = byId.get(o.seg.equipmentId);
      if (!(e instanceof Error)) o.equipment = e ?? null;
    }
  }
  for (const v of views) v.equipmentAttached = true;
}

async function loadWorkOrder(id: string, ctx: MesContext): Promise<WorkOrderView | null> {
  const valid = validId(id);
  const job = valid ? await ctx.loaders.job.load(valid) : null;
  return job ? workOrderView(job, ctx.mapping) : null;
}

export const resolvers: Resolvers = {
  Query: {
    workOrder: (_root, { id }, ctx) => loadWorkOrder(id, ctx),
    equipment: async (_root, { id }, ctx) => {
      const valid = validId(id);
      return valid ? ctx.loaders.equipment.load(valid) : null;
    },
    equipmentList: async (_root, { plant }, ctx) => {
      const list = await ctx.source.equipmentList(plant ?? undefined);
      for (const e of list) ctx.loaders.equipment.prime(e.id, e);
      return list;
    },
    materialLot: async (_root, { id }, ctx) => {
      const valid = validId(id);
      const lot = valid ? await ctx.loaders.lot.load(valid) : null;
      return lot ? lotView(lot, ctx.mapping) : null;
    },
  },

  ProductionOrder: {
    // Nothing to fetch here: every field below loads what it needs through batched loaders.
    __resolveReference: (ref) => ref,
    workOrders: async (ref, _args, ctx, info) => {
      const views = (await orderJobs(ref, ctx)).map((job) => workOrderView(job, ctx.mapping));
      if (selectsPath(info, ['operations', 'equipment'])) await attachEquipment(views, ctx);
      return views;
    },
    producedQuantity: async (ref, _args, ctx) => (await totals(ref, ctx)).produced,
    scrapQuantity: async (ref, _args, ctx) => (await totals(ref, ctx)).scrap,
    progress: async (ref, _args, ctx) => {
      const planned = ref.plannedQuantity ?? 0;
      if (!(planned > 0)) return 0;
      return Math.min(1, roundQuantity((await totals(ref, ctx)).produced / planned));
    },
  },

  Material: {
    __resolveReference: (ref) => ref,
    mesCodes: (ref, _args, ctx) => ctx.mapping.mesCodes(ref.id),
    lots: async (ref, _args, ctx) => {
      const codes = ctx.mapping.mesCodes(ref.id);
      const lots = (await ctx.loaders.lotsByCode.loadMany(codes)).flatMap((r) => (r instanceof Error ? [] : r));
      return lots
        .map((lot) => lotView(lot, ctx.mapping, ref.baseUnit, ref.id))
        .filter((v) => v.conv.ok);
    },
  },

  WorkOrder: {
    __resolveReference: (ref, ctx) => loadWorkOrder(ref.id, ctx),
    // The scalar fields are properties of the view (model.ts): graphql's default resolver reads them.
    productionOrder: (v) => ({ id: v.job.erpOrder }),
    operations: (v, _args, ctx, info) =>
      v.equipmentAttached || !selectsPath(info, ['equipment'])
        ? operationViews(v)
        : attachEquipment([v], ctx).then(() => operationViews(v)),
    currentOperation: (v) => operationViews(v).find((o) => o.seg.status !== 'COMPLETED') ?? null,
    qualityResults: (v, _args, ctx) => ctx.loaders.quality.load(v.job.id),
  },

  Operation: {
    equipment: (o, _args, ctx) =>
      o.equipment !== undefined ? o.equipment : o.seg.equipmentId ? ctx.loaders.equipment.load(o.seg.equipmentId) : null,
  },

  Equipment: {
    __resolveReference: async (ref, ctx) => {
      const valid = validId(ref.id);
      return valid ? ctx.loaders.equipment.load(valid) : null;
    },
    plant: (e) => e.site,
  },

  MaterialLot: {
    __resolveReference: async (ref, ctx) => {
      const valid = validId(ref.id);
      const lot = valid ? await ctx.loaders.lot.load(valid) : null;
      return lot ? lotView(lot, ctx.mapping) : null;
    },
    producedBy: async (v, _args, ctx) => {
      const id = v.lot.producedByJobOrder;
      return id ? loadWorkOrder(id, ctx) : null;
    },
    consumedLots: async (v, _args, ctx) => {
      const lots = await ctx.loaders.lot.loadMany(v.lot.consumedLots);
      return lots.flatMap((l) => (l && !(l instanceof Error) ? [lotView(l, ctx.mapping)] : []));
    },
  },

  QualityResult: {
    operationSequence: (q) => q.sequence,
  },
};
