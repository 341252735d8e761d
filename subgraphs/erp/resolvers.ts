import { badUserInput } from '../../lib/errors.ts';
import { pageArgs, toConnection } from '../../lib/connection.ts';
import type { ErpContext } from './context.ts';
import type { Resolvers } from './generated.ts';
import { normaliseMaterialId, normaliseOrderId } from './ids.ts';
import { listOrders } from './order-list.ts';
import { stockOf, totalStock } from './stock.ts';

/** Ids longer than this are not ids; they are refused before anything reaches the ERP. */
const MAX_ID_LENGTH = 64;

function checkLength(id: string, arg = 'id'): void {
  if (id.length > MAX_ID_LENGTH) throw badUserInput(`"${arg}" is longer than ${MAX_ID_LENGTH} characters.`, arg);
}

async function loadOrder(rawId: string, ctx: ErpContext) {
  checkLength(rawId);
  const id = normaliseOrderId(rawId);
  return id ? ctx.loaders.order.load(id) : null;
}

async function loadMaterial(rawId: string, ctx: ErpContext) {
  checkLength(rawId);
  const id = normaliseMaterialId(rawId);
  return id ? ctx.loaders.material.load(id) : null;
}

export const resolvers: Resolvers = {
  Query: {
    productionOrder: (_root, { id }, ctx) => loadOrder(id, ctx),
    productionOrders: (_root, args, ctx) => listOrders(args, ctx, checkLength),
    material: (_root, { id }, ctx) => loadMaterial(id, ctx),
    materials: async (_root, args, ctx) => {
      const { offset, limit } = pageArgs('mat', args.first, args.after);
      const page = await ctx.source.materials({ type: args.type ?? undefined, offset, limit });
      for (const m of page.items) ctx.loaders.material.prime(m.id, m);
      return toConnection('mat', page.items, offset, page.total);
    },
    plants: (_root, _args, ctx) => ctx.source.plants(),
  },

  ProductionOrder: {
    __resolveReference: (ref, ctx) => loadOrder(ref.id, ctx),
    material: async (order, _args, ctx) => {
      const m = await ctx.loaders.material.load(order.materialId);
      // The ERP's own referential integrity is broken: an internal error (logged), not the caller's fault.
      if (!m) throw new Error(`material ${order.materialId} of order ${order.id} is missing in the ERP`);
      return m;
    },
    routing: async (order, _args, ctx) =>
      [...(await ctx.loaders.routing.load(order.id))].sort((a, b) => a.sequence - b.sequence),
    confirmations: async (order, _args, ctx) =>
      [...(await ctx.loaders.confirmations.load(order.id))].sort((a, b) => a.postedAt.localeCompare(b.postedAt)),
  },

  Material: {
    __resolveReference: (ref, ctx) => loadMaterial(ref.id, ctx),
    stock: async (m, { plant }, ctx) => stockOf(await ctx.loaders.stock.load(m.id), plant),
    totalStock: async (m, { plant }, ctx) => totalStock(await ctx.loaders.stock.load(m.id), m.baseUnit, plant),
    components: (m, _args, ctx) => ctx.loaders.bom.load(m.id),
  },

  BomItem: {
    component: async (item, _args, ctx) => {
      const m = await ctx.loaders.material.load(item.componentId);
      if (!m) throw new Error(`component ${item.componentId} is missing in the ERP`);
      return m;
    },
  },

  Plant: {
    __resolveReference: async (ref, ctx) => (await ctx.source.plants()).find((p) => p.id === ref.id) ?? null,
  },
};
