/**
 * The planner's and supervisor's questions: is an order on time, what was left out of its totals, what
 * runs on a machine and what comes next, how the machine spent its time, and the work-order list.
 * Every field reads through the request's DataLoaders: one MES call per batch, never one per item.
 */
import { pageArgs, periodArg, toConnection } from '../../lib/connection.ts';
import { badUserInput } from '../../lib/errors.ts';
import type { MesContext } from './context.ts';
import { projectDue, type DueProjection, type OrderPlan } from './due.ts';
import type { Resolvers } from './generated.ts';
import { operationViews, workOrderView, type OperationView } from './model.ts';
import { orderJobs, totals, validId } from './resolvers.ts';
import type { MesEquipmentStateChange, MesJobOrder } from './source.ts';

const DAY_MS = 86_400_000;

/** dueStatus and expectedEnd share one representation object: project it once. */
const dueByRef = new WeakMap<object, Promise<DueProjection>>();
function due(ref: { id: string }, ctx: MesContext): Promise<DueProjection> {
  let d = dueByRef.get(ref);
  if (!d) {
    d = orderJobs(ref, ctx).then((jobs) => projectDue(ref as OrderPlan, jobs, Date.now()));
    dueByRef.set(ref, d);
  }
  return d;
}

const EXCLUSION_MESSAGES = {
  UNMAPPED_MATERIAL: (j: MesJobOrder) => `Work order ${j.id}: MES material ${j.materialCode} has no mapping row to this order's material; its quantities are left out of the totals.`,
  UNIT_MISMATCH: (j: MesJobOrder) => `Work order ${j.id}: its MES unit ${j.unit} cannot be converted into the order's unit; its quantities are left out of the totals.`,
} as const;

/** Operations of open work orders on one machine, as graph views. */
function operationsOn(jobs: readonly MesJobOrder[], equipmentId: string, ctx: MesContext): OperationView[] {
  return jobs.flatMap((job) => operationViews(workOrderView(job, ctx.mapping)).filter((o) => o.seg.equipmentId === equipmentId));
}

const startedAt = (o: OperationView): number => Date.parse(o.seg.startedAt ?? '') || 0;

function current(ops: readonly OperationView[]): OperationView | null {
  let best: OperationView | null = null;
  for (const o of ops) if (o.seg.status === 'RUNNING' && (!best || startedAt(o) > startedAt(best))) best = o;
  return best;
}

/** The log as intervals [change, next change), cut to [from, to). */
export function stateIntervals(log: readonly MesEquipmentStateChange[], from: number, to: number, now: number) {
  const sorted = [...log].sort((a, b) => a.at.localeCompare(b.at));
  const out: { state: MesEquipmentStateChange['state']; from: string; to: string | null; durationSeconds: number }[] = [];
  sorted.forEach((c, i) => {
    const start = Date.parse(c.at);
    const next = sorted[i + 1];
    const end = next ? Date.parse(next.at) : null;
    if (start >= to || (end ?? now) <= from) return;
    const a = Math.max(start, from);
    const b = end === null ? (to < now ? to : null) : Math.min(end, to);
    out.push({ state: c.state, from: new Date(a).toISOString(), to: b === null ? null : new Date(b).toISOString(), durationSeconds: Math.round(((b ?? now) - a) / 1000) });
  });
  return out;
}

export const plannerResolvers: Resolvers = {
  Query: {
    workOrders: async (_root, args, ctx) => {
      const { offset, limit } = pageArgs('wo', args.first, args.after);
      let equipment: string | undefined;
      if (args.equipment != null) {
        equipment = validId(args.equipment);
        if (!equipment) return toConnection('wo', [], offset, 0);
      }
      if (args.plant != null && !validId(args.plant)) return toConnection('wo', [], offset, 0);
      const page = await ctx.source.jobOrders({ site: args.plant ?? undefined, status: args.status ?? undefined, equipment, offset, limit });
      for (const j of page.items) ctx.loaders.job.prime(j.id, j);
      return toConnection('wo', page.items.map((j) => workOrderView(j, ctx.mapping)), offset, page.total);
    },
  },

  ProductionOrder: {
    dueStatus: async (ref, _args, ctx) => (await due(ref, ctx)).dueStatus,
    expectedEnd: async (ref, _args, ctx) => {
      const end = (await due(ref, ctx)).expectedEnd;
      return end === null ? null : new Date(end).toISOString();
    },
    excludedWorkOrders: async (ref, _args, ctx) =>
      (await totals(ref, ctx)).excluded.map(({ job, reason }) => ({
        workOrder: workOrderView(job, ctx.mapping),
        reason,
        message: EXCLUSION_MESSAGES[reason](job),
      })),
  },

  Operation: {
    workOrder: (o) => o.workOrder,
  },

  Equipment: {
    currentOperation: async (e, _args, ctx) => current(operationsOn(await ctx.loaders.openJobsByEquipment.load(e.id), e.id, ctx)),
    queue: async (e, { first }, ctx) => {
      const n = first ?? 10;
      if (!Number.isInteger(n) || n < 1 || n > 100) throw badUserInput(`"first" must be between 1 and 100, got ${n}.`, 'first');
      const ops = operationsOn(await ctx.loaders.openJobsByEquipment.load(e.id), e.id, ctx);
      const now = current(ops);
      return ops
        .filter((o) => o !== now && o.seg.status !== 'COMPLETED')
        .sort((a, b) => (a.workOrder.plannedStart ?? '').localeCompare(b.workOrder.plannedStart ?? '') || a.workOrder.id.localeCompare(b.workOrder.id) || a.sequence - b.sequence)
        .slice(0, n);
    },
    stateHistory: async (e, { period }, ctx) => {
      const now = Date.now();
      const p = periodArg(period, 'period');
      const from = p.from ? Date.parse(p.from) : now - DAY_MS;
      const to = p.to ? Date.parse(p.to) : now;
      if (to <= from) throw badUserInput('"period.to" must be after "period.from".', 'period');
      return stateIntervals(await ctx.loaders.stateLog.load(e.id), from, to, now);
    },
  },
};
