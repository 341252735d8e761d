import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { roundQuantity } from '../../lib/units.ts';
import type { MesContext } from './context.ts';
import type { Resolvers } from './generated.ts';
import {
  executionTotals,
  type ExecutionTotals,
  lotView,
  workOrderView,
  type OperationView,
  type OrderExecutionRef,
  type WorkOrderView,
} from './model.ts';
import type { MesSegment } from './source.ts';

/** MES ids are opaque; anything that cannot be one answers null without asking the MES. */
const MES_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const validId = (id: string): string | undefined => (MES_ID.test(id) ? id : undefined);

const bySequence = (a: MesSegment, b: MesSegment) => a.sequence - b.sequence;

async function orderJobs(ref: { id: string }, ctx: MesContext) {
  return ctx.loaders.jobsByOrder.load(ref.id);
}

/**
 * The generated parent type is a deep pick of OrderExecutionRef that TypeScript cannot narrow back;
 * at run time it is exactly the representation the gateway sent (id plus the @requires fields).
 */
async function totals(ref: { id: string }, ctx: MesContext): Promise<ExecutionTotals> {
  // producedQuantity, scrapQuantity and progress share one representation object: sum its work orders once.
  let t = totalsByRef.get(ref);
  if (!t) {
    t = orderJobs(ref, ctx).then((jobs) => executionTotals(ref as OrderExecutionRef, jobs, ctx.mapping));
    totalsByRef.set(ref, t);
  }
  return t;
}

/** Keyed by the request's own representation objects, so it lives exactly as long as the request. */
const totalsByRef = new WeakMap<object, Promise<ExecutionTotals>>();

function operationViews(view: WorkOrderView): OperationView[] {
  const factor = view.conv.ok ? view.conv.factor : 1;
  return [...view.job.segments].sort(bySequence).map((seg) => ({ seg, factor }));
}

/** True when a field's selection asks for `name` (directly, or through an inline fragment or a fragment spread). */
function selects(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    !!set &&
    set.selections.some((s) =>
      s.kind === Kind.FIELD
        ? s.name.value === name
        : visit(s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : info.fragments[s.name.value]?.selectionSet),
    );
  return info.fieldNodes.some((f) => visit(f.selectionSet));
}

/**
 * A work order's operations with their equipment already loaded, when the query asks for it. One
 * awaited load per work order instead of one per operation: each operation then completes
 * synchronously, which spares GraphQL execution a promise per operation object (427 of them in a
 * 50-order query). Same DataLoader, same batch, same records; a failed load is left to the field.
 */
async function operationsWithEquipment(views: OperationView[], ctx: MesContext): Promise<OperationView[]> {
  const ids = views.flatMap((o) => (o.seg.equipmentId ? [o.seg.equipmentId] : []));
  const found = await ctx.loaders.equipment.loadMany(ids);
  const byId = new Map(ids.map((id, i) => [id, found[i]] as const));
  return views.map((o) => {
    if (!o.seg.equipmentId) return { ...o, equipment: null };
    const e = byId.get(o.seg.equipmentId);
    return e instanceof Error ? o : { ...o, equipment: e ?? null };
  });
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
    workOrders: async (ref, _args, ctx) =>
      (await orderJobs(ref, ctx)).map((job) => workOrderView(job, ctx.mapping)),
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
    productionOrder: (v) => ({ id: v.job.erpOrder }),
    plant: (v) => v.job.site,
    status: (v) => v.job.status,
    quantity: (v) => roundQuantity(v.job.quantity * (v.conv.ok ? v.conv.factor : 1)),
    unit: (v) => (v.conv.ok ? v.conv.unit : v.job.unit),
    unitConverted: (v) => v.conv.ok,
    mesMaterialCode: (v) => v.job.materialCode,
    mesUnit: (v) => v.job.unit,
    plannedStart: (v) => v.job.plannedStart,
    plannedEnd: (v) => v.job.plannedEnd,
    operations: (v, _args, ctx, info) => (selects(info, 'equipment') ? operationsWithEquipment(operationViews(v), ctx) : operationViews(v)),
    currentOperation: (v) => operationViews(v).find((o) => o.seg.status !== 'COMPLETED') ?? null,
    qualityResults: (v, _args, ctx) => ctx.loaders.quality.load(v.job.id),
  },

  Operation: {
    sequence: (o) => o.seg.sequence,
    description: (o) => o.seg.description,
    status: (o) => o.seg.status,
    goodQuantity: (o) => roundQuantity(o.seg.goodQuantity * o.factor),
    scrapQuantity: (o) => roundQuantity(o.seg.scrapQuantity * o.factor),
    equipment: (o, _args, ctx) =>
      o.equipment !== undefined ? o.equipment : o.seg.equipmentId ? ctx.loaders.equipment.load(o.seg.equipmentId) : null,
    startedAt: (o) => o.seg.startedAt,
    finishedAt: (o) => o.seg.finishedAt,
    processParameters: (o) => o.seg.parameters,
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
    mesMaterialCode: (v) => v.lot.materialCode,
    plant: (v) => v.lot.site,
    quantity: (v) => roundQuantity(v.lot.quantity * (v.conv.ok ? v.conv.factor : 1)),
    unit: (v) => (v.conv.ok ? v.conv.unit : v.lot.unit),
    unitConverted: (v) => v.conv.ok,
    status: (v) => v.lot.status,
    producedBy: async (v, _args, ctx) => {
      const id = v.lot.producedByJobOrder;
      return id ? loadWorkOrder(id, ctx) : null;
    },
    consumedLots: async (v, _args, ctx) => {
      const lots = await ctx.loaders.lot.loadMany(v.lot.consumedLots);
      return lots.flatMap((l) => (l && !(l instanceof Error) ? [lotView(l, ctx.mapping)] : []));
    },
    createdAt: (v) => v.lot.createdAt,
  },

  QualityResult: {
    operationSequence: (q) => q.sequence,
  },
};
