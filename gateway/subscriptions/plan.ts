import {
  Kind,
  print,
  visit,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type GraphQLFormattedError,
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
  /**
   * One query for several events (only when `query` is set): event `i`'s roots under `_e<i>_<key>`, its ids
   * in `$<variable>_<i>`; `split` gives each event the answer its own query would have had. The events
   * are padded to a power of two (the last one repeated): the gateway plans a few query shapes per
   * selection, not one per batch size.
   */
  batch(events: readonly HubEvent[]): { query: string; variables: Record<string, unknown>; split(result: FedResult): FedResult[] };
}

/** The answer of a federated read (Apollo's formatted result). */
export interface FedResult {
  data: Record<string, unknown> | null | undefined;
  errors: readonly GraphQLFormattedError[];
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
  /** The query's root fields: `<alias>: <field>(id: $<variable>) <body>`. */
  const roots: { alias: string; field: string; variable: string; body: string }[] = [];
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
      roots.push({ alias: key, field: entity.query, variable: entity.variable, body: print({ kind: Kind.SELECTION_SET, selections: sub }) });
    } else if (TOTALS_FIELDS.has(name)) totals = true;
  }
  if (totals) {
    const order = ENTITY_FIELDS.productionOrder!;
    idVars.set(order.variable, order.id);
    roots.push({ alias: TOTALS_KEY, field: order.query, variable: order.variable, body: '{ producedQuantity progress }' });
  }
  if (roots.length === 0) return { query: undefined, variables: () => ({}), key: '', batch: () => ({ query: '', variables: {}, split: () => [] }) };

  const fragNames = usedFragments(selections, fragments);
  // The client's variables that the sub-selections (and their fragments) use, with their definitions.
  const usedVars = new Set<string>();
  const collectVars = (node: Parameters<typeof visit>[0]) =>
    visit(node, { Variable: (v) => void usedVars.add(v.name.value) });
  for (const s of selections) collectVars(s);
  for (const f of fragNames) if (fragments[f]) collectVars(fragments[f]);
  const defs = (operation.variableDefinitions ?? []).filter((d) => usedVars.has(d.variable.name.value));
  const clientVars = Object.fromEntries(defs.map((d) => [d.variable.name.value, variableValues[d.variable.name.value]]));
  const fragmentTexts = [...fragNames].sort().flatMap((f) => (fragments[f] ? [print(fragments[f])] : []));
  /** The query text for `n` events (suffix '' = the one-event query, its roots under the client's keys). */
  const text = (suffixes: readonly string[], prefix: (i: number) => string) => {
    const header = [...suffixes.flatMap((sfx) => [...idVars.keys()].map((v) => `$${v}${sfx}: ID!`)), ...defs.map((d) => print(d))].join(', ');
    const fields = suffixes.flatMap((sfx, i) => roots.map((r) => `${prefix(i)}${r.alias}: ${r.field}(id: $${r.variable}${sfx}) ${r.body}`));
    return [`query ${OPERATION_NAME}(${header}) { ${fields.join(' ')} }`, ...fragmentTexts].join('\n');
  };
  const idsOf = (event: HubEvent, suffix: string, into: Record<string, unknown>) => {
    // An event without the id (a progress event's work order is always there; kept general) asks for "" = null.
    for (const [name, id] of idVars) into[name + suffix] = id(event) ?? '';
  };
  const query = text([''], () => '');
  return {
    query,
    key: `${query}\n${JSON.stringify(clientVars)}`,
    variables(event) {
      const vars: Record<string, unknown> = { ...clientVars };
      idsOf(event, '', vars);
      return vars;
    },
    batch(events) {
      const prefix = (i: number) => `_e${i}_`;
      const variables: Record<string, unknown> = { ...clientVars };
      const padded = Array.from({ length: 2 ** Math.ceil(Math.log2(Math.max(1, events.length))) }, (_, i) => events[Math.min(i, events.length - 1)]!);
      padded.forEach((e, i) => idsOf(e, `_${i}`, variables));
      return {
        query: text(padded.map((_, i) => `_${i}`), prefix),
        variables,
        split: (result) => events.map((_, i) => splitResult(result, prefix(i))),
      };
    },
  };
}

/** One event's share of a batched answer: its roots without `prefix`, its errors (and those of no root). */
function splitResult(result: FedResult, prefix: string): FedResult {
  const data = result.data
    ? Object.fromEntries(Object.entries(result.data).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])))
    : result.data;
  const errors = result.errors.flatMap((e) => {
    const root = e.path?.[0];
    if (typeof root !== 'string' || !/^_e\d+_/.test(root)) return [e];
    return root.startsWith(prefix) ? [{ ...e, path: [root.slice(prefix.length), ...e.path!.slice(1)] }] : [];
  });
  return { data, errors };
}
