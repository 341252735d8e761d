import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Field collection for one object type, as graphql-js does it (fragments expanded, `@skip`/`@include`
 * applied, fields grouped by response key), written out because graphql-js keeps its own internal. The
 * event types are object types, so a type condition matches by name.
 */
export function collectFields(
  typeName: string,
  selectionSets: readonly SelectionSetNode[],
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): Map<string, FieldNode[]> {
  const out = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  const included = (node: SelectionNode) =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  const walk = (set: SelectionSetNode) => {
    for (const sel of set.selections) {
      if (!included(sel)) continue;
      if (sel.kind === Kind.FIELD) {
        const key = sel.alias?.value ?? sel.name.value;
        const list = out.get(key);
        if (list) list.push(sel);
        else out.set(key, [sel]);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (!sel.typeCondition || sel.typeCondition.name.value === typeName) walk(sel.selectionSet);
      } else {
        const name = sel.name.value;
        const frag = fragments[name];
        if (visited.has(name) || !frag || frag.typeCondition.name.value !== typeName) continue;
        visited.add(name);
        walk(frag.selectionSet);
      }
    }
  };
  for (const s of selectionSets) walk(s);
  return out;
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
