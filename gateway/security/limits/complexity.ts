import {
  Kind,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The shape of an operation as the limits see it, computed from the document before any planning or
 * execution. Fragments are expanded (a fragment spread twice costs twice), `@skip`/`@include` are
 * ignored (the estimate is an upper bound).
 */
export interface OperationShape {
  depth: number;
  aliases: number;
  rootFields: number;
  cost: number;
  /** A fragment that spreads itself (directly or not); such a document is refused, never expanded. */
  fragmentCycle?: string;
}

export interface CostOptions {
  /** Length assumed for a list field without a `first` argument. */
  defaultListSize: number;
}

/**
 * Connection wrappers: the `first` of the connection field already multiplied what is under it, so
 * its `edges`/`nodes` lists count once.
 */
const CONNECTION_LISTS = new Set(['edges', 'nodes']);

/** What a selection set adds up to; `top` counts fields at its own level (root fields at level 0). */
interface Summary {
  depth: number;
  cost: number;
  aliases: number;
  top: number;
}

const EMPTY: Summary = { depth: 0, cost: 0, aliases: 0, top: 0 };

/**
 * Linear in the document: each fragment is summarised once and the summary reused at every spread
 * (its cost, depth and aliases do not depend on where it is spread). Re-walking each spread made 25
 * fragments that each spread the next twice cost 2^25 walks (13 s of blocked event loop for 1 KB).
 */
export function operationShape(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  opts: CostOptions,
): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Summary>();
  const inProgress = new Set<string>();
  let fragmentCycle: string | undefined;

  const numberArg = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

  const fragment = (name: string): Summary => {
    const done = memo.get(name);
    if (done) return done;
    const frag = fragments.get(name);
    if (!frag) return EMPTY;
    if (inProgress.has(name)) {
      fragmentCycle ??= name;
      return EMPTY;
    }
    inProgress.add(name);
    const r = walk(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? undefined);
    inProgress.delete(name);
    memo.set(name, r);
    return r;
  };

  const walk = (set: SelectionSetNode, type: GraphQLNamedType | undefined): Summary => {
    const out = { depth: 0, cost: 0, aliases: 0, top: 0 };
    const add = (r: Summary) => {
      out.depth = Math.max(out.depth, r.depth);
      out.cost += r.cost;
      out.aliases += r.aliases;
      out.top += r.top;
    };
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        out.top++;
        if (sel.alias) out.aliases++;
        const def = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[sel.name.value] : undefined;
        let multiplier = 1;
        const firstNode = sel.arguments?.find((a) => a.name.value === 'first');
        const firstDef = def?.args.find((a) => a.name === 'first');
        if (firstNode || firstDef) {
          const given = firstNode ? valueFromASTUntyped(firstNode.value, variables) : undefined;
          multiplier = numberArg(given) ?? numberArg(firstDef?.defaultValue) ?? opts.defaultListSize;
        } else if (def && isListType(getNullableType(def.type)) && !CONNECTION_LISTS.has(sel.name.value)) {
          multiplier = opts.defaultListSize;
        }
        const child = sel.selectionSet ? walk(sel.selectionSet, def ? getNamedType(def.type) : undefined) : EMPTY;
        out.depth = Math.max(out.depth, 1 + child.depth);
        out.cost += 1 + multiplier * child.cost;
        out.aliases += child.aliases;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        add(walk(sel.selectionSet, t ?? undefined));
      } else {
        add(fragment(sel.name.value));
      }
    }
    return out;
  };

  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const { depth, cost, aliases, top } = walk(operation.selectionSet, root ?? undefined);
  return { depth, aliases, rootFields: top, cost, ...(fragmentCycle ? { fragmentCycle } : {}) };
}
