import {
  Kind,
  print,
  visit,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import type { HubEvent } from '../../lib/events/types.ts';
import { collectFields, usedFragments } from './selection.ts';

/**
 * What a subscription's payload needs beyond the event itself, as one federated query: the client's own
 * sub-selections of `productionOrder`, `workOrder` and `equipment`, each under the client's response key,
 * plus the order's totals when `producedQuantity`/`progress` are asked. Worked out once per subscription;
 * every event then runs it with the event's ids. Two subscribers with the same selection get the same
 * `key`, so an event costs one federated fetch however many of them there are.
 */
export interface FederatedPlan {
  /** The query text, or undefined when the event alone answers the selection. */
  query: string | undefined;
  /** The query's variables for one event. */
  variables(event: HubEvent): Record<string, unknown>;
  /** Equal for equal selections (query text and the client variables it uses). */
  key: string;
}

/** Response key under which the order's totals are fetched (never a key of the client's: those are event fields). */
export const TOTALS_KEY = '_hubTotals';
export const OPERATION_NAME = 'HubSubscriptionEvent';

/** Event fields resolved through the graph: the root query field and the event's id for it. */
const ENTITY_FIELDS: Record<string, { query: string; variable: string; id: (e: HubEvent) => string | null }> = {
  productionOrder: { query: 'productionOrder', variable: '_hubOrder', id: (e) => ('productionOrderId' in e ? e.productionOrderId : null) },
  workOrder: { query: 'workOrder', variable: '_hubWorkOrder', id: (e) => ('workOrderId' in e ? e.workOrderId : null) },
  equipment: { query: 'equipment', variable: '_hubEquipment', id: (e) => ('equipmentId' in e ? e.equipmentId : null) },
};
const TOTALS_FIELDS = new Set(['producedQuantity', 'progress']);

export function planFederatedQuery(
  schema: GraphQLSchema,
  eventType: GraphQLObjectType,
  fieldNodes: readonly FieldNode[],
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variableValues: Record<string, unknown>,
): FederatedPlan {
  const sets = fieldNodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
  const fields = collectFields(schema, eventType, sets, fragments, variableValues);
  const roots: string[] = [];
  const selections: SelectionNode[] = [];
  const idVars = new Map<string, (e: HubEvent) => string | null>();
  let totals = false;
  for (const [key, nodes] of fields) {
    const name = nodes[0]!.name.value;
    const entity = ENTITY_FIELDS[name];
    if (entity) {
      const sub = nodes.flatMap((n) => n.selectionSet?.selections ?? []);
      selections.push(...sub);
      idVars.set(entity.variable, entity.id);
      const body = print({ kind: Kind.SELECTION_SET, selections: sub });
      roots.push(`${key}: ${entity.query}(id: $${entity.variable}) ${body}`);
    } else if (TOTALS_FIELDS.has(name)) totals = true;
  }
  if (totals) {
    idVars.set(ENTITY_FIELDS.productionOrder!.variable, ENTITY_FIELDS.productionOrder!.id);
    roots.push(`${TOTALS_KEY}: productionOrder(id: $${ENTITY_FIELDS.productionOrder!.variable}) { producedQuantity progress }`);
  }
  if (roots.length === 0) return { query: undefined, variables: () => ({}), key: '' };

  const fragNames = usedFragments(selections, fragments);
  // The client's variables that the sub-selections (and their fragments) use, with their definitions.
  const usedVars = new Set<string>();
  const collectVars = (node: Parameters<typeof visit>[0]) =>
    visit(node, { Variable: (v) => void usedVars.add(v.name.value) });
  for (const s of selections) collectVars(s);
  for (const f of fragNames) if (fragments[f]) collectVars(fragments[f]);
  const defs = (operation.variableDefinitions ?? []).filter((d) => usedVars.has(d.variable.name.value));
  const clientVars = Object.fromEntries(defs.map((d) => [d.variable.name.value, variableValues[d.variable.name.value]]));
  const header = [...[...idVars.keys()].map((v) => `$${v}: ID!`), ...defs.map((d) => print(d))].join(', ');
  const query = [
    `query ${OPERATION_NAME}(${header}) { ${roots.join(' ')} }`,
    ...[...fragNames].sort().flatMap((f) => (fragments[f] ? [print(fragments[f])] : [])),
  ].join('\n');
  return {
    query,
    key: `${query}\n${JSON.stringify(clientVars)}`,
    variables(event) {
      const vars: Record<string, unknown> = { ...clientVars };
      // An event without the id (a progress event's work order is always there; kept general) asks for "" = null.
      for (const [name, id] of idVars) vars[name] = id(event) ?? '';
      return vars;
    },
  };
}
