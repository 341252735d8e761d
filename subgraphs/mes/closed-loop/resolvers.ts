import { badUserInput } from '../../../lib/errors.ts';
import type { ConfirmationStatus, Resolvers } from '../generated.ts';
import { workOrderView } from '../model.ts';
import { confirmOperation } from './confirm.ts';
import type { ConfirmationEntry } from './model.ts';
import { releaseProductionOrder } from './release.ts';

function statusOf(e: ConfirmationEntry): ConfirmationStatus {
  return e.stage === 'posted' ? 'POSTED' : e.stage === 'failed' ? 'FAILED' : 'PENDING';
}

/** The closed loop's mutations and the outbox's view. Scopes are declared in the SDL (@requiresScopes). */
export const writeResolvers: Resolvers = {
  Query: {
    pendingConfirmations: async (_root, { first }, ctx) => {
      const limit = first ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badUserInput('"first" must be between 1 and 1000.', 'first');
      return ctx.integrity.outbox.list(limit);
    },
    confirmation: async (_root, { id }, ctx) => (/^CF-[0-9a-f]{24}$/.test(id) ? ((await ctx.integrity.outbox.get(id)) ?? null) : null),
  },
  Mutation: {
    releaseProductionOrder: (_root, { id, idempotencyKey }, ctx) => releaseProductionOrder(ctx.integrity, ctx.mapping, id, idempotencyKey),
    confirmOperation: (_root, { input }, ctx) => confirmOperation(ctx.integrity, ctx, input),
  },
  Confirmation: {
    status: (e) => statusOf(e),
    productionOrder: (e) => ({ id: e.erpOrder }),
    workOrder: async (e, _args, ctx) => {
      const job = await ctx.loaders.job.load(e.workOrderId);
      return job ? workOrderView(job, ctx.mapping) : null;
    },
  },
};
