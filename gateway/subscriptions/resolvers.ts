import { GraphQLError, type GraphQLFieldResolver, type GraphQLResolveInfo } from 'graphql';
import type { HubEvent } from '../../lib/events/types.ts';
import { stripLeadingZeros } from '../../lib/ids.ts';
import { TOTALS_KEY, type FedResult } from './plan.ts';

/**
 * How an event becomes a payload. The subscription's root value per event is `{ event, fed }`: the hub
 * event and the answer of the federated query made for it. Event fields come from the event; the
 * entities (`productionOrder`, `workOrder`, `equipment`) from `fed` under the client's response key, and
 * everything below them is read back by response key (the federated query used the client's own
 * selection, aliases included). A field the federated query could not answer carries its original error
 * (e.g. `UPSTREAM_UNAVAILABLE` with the system named) at the same path.
 */
export interface EventPayload {
  event: HubEvent;
  fed: FedResult;
}

export const NO_FED: FedResult = { data: {}, errors: [] };

/** The path below the subscription's root field (the federated query's own paths start there). */
function pathBelowRoot(info: GraphQLResolveInfo): (string | number)[] {
  const out: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) out.unshift(p.key);
  return out.slice(1);
}

function failIfError(fed: FedResult, info: GraphQLResolveInfo, entityLevel: boolean): void {
  const path = pathBelowRoot(info);
  const at = fed.errors.find((e) => e.path?.length === path.length && e.path.every((k, i) => k === path[i]));
  // A request-level failure (no path) answers for the entities it left empty.
  const err = at ?? (entityLevel ? fed.errors.find((e) => !e.path) ?? fed.errors[0] : undefined);
  if (err) throw new GraphQLError(err.message, { extensions: err.extensions });
}

/** Fields below the entities: the value under the response key, or the error the federated query had there. */
export const readByResponseKey: GraphQLFieldResolver<unknown, unknown> = (source, _args, _ctx, info) => {
  const value = (source as Record<string, unknown> | null)?.[info.path.key as string];
  if (value === null || value === undefined) failIfError((info.rootValue as EventPayload).fed, info, false);
  return value;
};

const entity: GraphQLFieldResolver<EventPayload, unknown> = (p, _args, _ctx, info) => {
  const value = p.fed.data?.[info.path.key as string];
  if (value === null || value === undefined) {
    // workOrder is nullable and some events name none: null without an error then.
    if (info.fieldName === 'workOrder' && !('workOrderId' in p.event)) return null;
    failIfError(p.fed, info, true);
  }
  return value;
};

const totals = (field: 'producedQuantity' | 'progress'): GraphQLFieldResolver<EventPayload, unknown> => (p, _a, _c, info) => {
  const t = p.fed.data?.[TOTALS_KEY] as Record<string, unknown> | null | undefined;
  if (!t || typeof t[field] !== 'number') failIfError(p.fed, info, true);
  return t?.[field];
};

const KINDS = { started: 'OPERATION_STARTED', progress: 'PROGRESS_REPORTED', completed: 'OPERATION_COMPLETED' } as const;

type FieldResolvers = Record<string, GraphQLFieldResolver<EventPayload, unknown>>;

const common: FieldResolvers = {
  eventId: (p) => p.event.id,
  occurredAt: (p) => p.event.occurredAt,
};

export const EVENT_TYPE_RESOLVERS: Record<string, FieldResolvers> = {
  ProductionProgressEvent: {
    ...common,
    kind: ({ event: e }) => (e.type === 'ProductionProgress' ? KINDS[e.phase] : 'WORK_ORDER_STATUS_CHANGED'),
    productionOrder: entity,
    workOrder: entity,
    operationSequence: ({ event: e }) => (e.type === 'ProductionProgress' ? e.operationSequence : null),
    goodQuantityDelta: ({ event: e }) => (e.type === 'ProductionProgress' && e.unitConverted ? e.deltaGood : null),
    scrapQuantityDelta: ({ event: e }) => (e.type === 'ProductionProgress' && e.unitConverted ? e.deltaScrap : null),
    producedQuantity: totals('producedQuantity'),
    progress: totals('progress'),
  },
  EquipmentStateEvent: {
    ...common,
    equipment: entity,
    previousState: ({ event: e }) => (e.type === 'EquipmentStateChanged' ? e.previousState : null),
    state: ({ event: e }) => (e.type === 'EquipmentStateChanged' ? e.state : null),
  },
};

/** Which hub events each subscription field delivers, and how its `id`/`plant` arguments filter them. */
export const SUBSCRIPTION_FIELDS: Record<string, { eventType: string; matches: (e: HubEvent, id?: string, plant?: string) => boolean }> = {
  productionOrderProgress: {
    eventType: 'ProductionProgressEvent',
    matches: (e, id, plant) =>
      (e.type === 'ProductionProgress' || e.type === 'WorkOrderStatusChanged') &&
      (id === undefined || e.productionOrderId === stripLeadingZeros(id)) &&
      (plant === undefined || e.plant === plant),
  },
  equipmentStateChanged: {
    eventType: 'EquipmentStateEvent',
    matches: (e, id, plant) =>
      e.type === 'EquipmentStateChanged' && (id === undefined || e.equipmentId === id) && (plant === undefined || e.plant === plant),
  },
};
