import { collectFields as collectFieldsOf } from '@graphql-tools/utils';
import {
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Field collection for one object type as graphql-js does it (fragments expanded once, type conditions
 * matched, `@skip`/`@include` applied, fields grouped by response key), over several selection sets at
 * once (every node of a field the client repeated): @graphql-tools/utils' `collectFields` on their union.
 */
export function collectFields(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  selectionSets: readonly SelectionSetNode[],
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): Map<string, FieldNode[]> {
  const union: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: selectionSets.flatMap((s) => s.selections) };
  return collectFieldsOf(schema, fragments, variables, type, union).fields;
}

/** The fragment names a selection uses, transitively (a federated query must define exactly those). */
export function usedFragments(selections: readonly SelectionNode[], fragments: Record<string, FragmentDefinitionNode>): Set<string> {
  const used = new Set<string>();
  const walk = (sels: readonly SelectionNode[]) => {
    for (const s of sels) {
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        if (used.has(s.name.value)) continue;
        used.add(s.name.value);
        const f = fragments[s.name.value];
        if (f) walk(f.selectionSet.selections);
      } else if (s.selectionSet) walk(s.selectionSet.selections);
    }
  };
  walk(selections);
  return used;
}
