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

export function operationShape(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  opts: CostOptions,
): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let aliases = 0;
  let rootFields = 0;
  // Validation already refused fragment cycles; the stack guard keeps this walk safe regardless.
  const stack = new Set<string>();

  const numberArg = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

  const walk = (set: SelectionSetNode, type: GraphQLNamedType | undefined, level: number): { depth: number; cost: number } => {
    let depth = 0;
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (level === 0) rootFields++;
        if (sel.alias) aliases++;
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
        const child = sel.selectionSet ? walk(sel.selectionSet, def ? getNamedType(def.type) : undefined, level + 1) : { depth: 0, cost: 0 };
        depth = Math.max(depth, 1 + child.depth);
        cost += 1 + multiplier * child.cost;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        const r = walk(sel.selectionSet, t ?? undefined, level);
        depth = Math.max(depth, r.depth);
        cost += r.cost;
      } else {
        const frag = fragments.get(sel.name.value);
        if (!frag || stack.has(frag.name.value)) continue;
        stack.add(frag.name.value);
        const r = walk(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? undefined, level);
        stack.delete(frag.name.value);
        depth = Math.max(depth, r.depth);
        cost += r.cost;
      }
    }
    return { depth, cost };
  };

  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const { depth, cost } = walk(operation.selectionSet, root ?? undefined, 0);
  return { depth, aliases, rootFields, cost };
}
