import { randomUUID } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import {
  GraphQLError,
  buildASTSchema,
  createSourceEventStream,
  execute as graphqlExecute,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  parse,
  print,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { Counter } from 'prom-client';
import type { EventBus } from '../../lib/events/bus.ts';
import type { HubEvent } from '../../lib/events/types.ts';
import { isEventId } from '../../lib/events/ids.ts';
import type { QueryLimits } from '../../lib/config.ts';
import type { DeliveryAudit } from '../security/delivery-audit.ts';
import { sha256 } from '../security/persisted.ts';
import { checkOperation, notInList } from '../security/plugins.ts';
import { withoutSuggestions } from '../security/limits/suggestions.ts';
import { ErrorCode } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { eventSpan, tracingOn } from '../../lib/tracing.ts';
import type { HubMetrics } from '../../lib/metrics.ts';
import type { GatewayContext } from '../context.ts';
import { expired, gatewayContextFor, scopeKey, type Limit, type SubscriptionCaller } from './caller.ts';
import { TOKEN_EXPIRED, tokenExpired, untilExpiry } from './expiry.ts';
import { SubscriptionEvents, type ConnectionBudget } from './event-stream.ts';
import { mapIterator } from './map-iterator.ts';
import { OPERATION_NAME, planFederatedQuery, type FederatedPlan, type FedResult } from './plan.ts';
import { EVENT_TYPE_RESOLVERS, NO_FED, SUBSCRIPTION_FIELDS, readByResponseKey, type EventPayload } from './resolvers.ts';
import { collectFields } from './selection.ts';
import { ReadBatcher } from './read-batcher.ts';
import { SharedResults } from './shared-results.ts';

/**
 * The gateway's own executor for `subscription` operations (@apollo/gateway runs queries and mutations
 * only). Operations are validated against the gateway's API schema; a subscription reads the hub's event
 * bus, filters by its arguments, and resolves what the event does not carry through the gateway's normal
 * federated query path (`ApolloServer.executeOperation`), once per event and selection for all
 * subscribers. The read starts when the event arrives, not when a subscriber gets to it, and the events
 * that arrive together are read in one federated query; each event's payload is executed once per
 * operation and shared by every subscriber of it. Transport-agnostic: ws.ts and sse.ts are the adapters.
 */
export interface SubscriptionContext {
  caller: SubscriptionCaller;
  /** The rate-limit subject (`sub:...` or `ip:...`), shared with HTTP requests. */
  subject: string;
  budget: ConnectionBudget;
  /** Open subscriptions of this connection (a WebSocket, or one SSE request). */
  connection: { subscriptions: number };
  /** True when the gate already counted this operation against the rate limit (SSE requests). */
  counted?: boolean;
}

export interface OperationRequest {
  query?: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  /** `persistedQuery.sha256Hash` names a manifest operation instead of sending its text. */
  extensions?: Record<string, unknown> | null;
}

export interface SubscriptionService {
  /** Parses and validates an operation; checks a subscription's arguments (`after`) before it starts. */
  prepare(req: OperationRequest, ctx: SubscriptionContext): Promise<ExecutionArgs | readonly GraphQLError[]>;
  /** Queries and mutations sent over a subscription transport: the gateway's normal path. */
  execute(args: ExecutionArgs): Promise<ExecutionResult>;
  subscribe(args: ExecutionArgs): Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;
  /** A fresh per-connection budget that calls `close` once when the connection falls too far behind. */
  budget(close: () => void): ConnectionBudget;
}

export interface SubscriptionServiceOptions {
  /** The gateway's API schema (from the supergraph), as SDL. */
  apiSchema: string;
  bus: EventBus;
  apollo: ApolloServer<GatewayContext>;
  log: Logger;
  metrics: HubMetrics;
  queueLimit: number;
  limits: QueryLimits;
  /**
   * Safelist mode (PERSISTED_QUERIES_ONLY): the manifest by sha256 of each body. A client's subscription
   * (or query sent over a subscription transport) must be in it, as over HTTP.
   */
  safelist?: ReadonlyMap<string, string> | undefined;
  /** Introspection is off: "Did you mean ...?" is stripped from messages. */
  hideSuggestions: boolean;
  /** The gateway's rate limit, one counter per subject for every transport. */
  limit: Limit;
  /** One audit record per subscriber and event that carries a restricted field. */
  audit?: DeliveryAudit;
}

/** Events per batched federated read (each a few root fields of the query). */
const READ_BATCH = 64;
/** Batched federated reads in flight per selection. */
const READS_IN_FLIGHT = 2;

const coded = (message: string, code: string, from?: GraphQLError, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { nodes: from?.nodes, extensions: { code, ...extensions } });

export function createSubscriptionService(opts: SubscriptionServiceOptions): SubscriptionService {
  // Our own copy of the API schema (built once at start) carries the subscription resolvers; the
  // gateway's schema object stays untouched.
  const schema: GraphQLSchema = buildASTSchema(parse(opts.apiSchema));
  const fetches = new Counter({
    name: 'hub_subscription_fetches_total',
    help: 'Federated reads made for subscription events (one per batch of events and distinct selection, however many subscribers).',
    registers: [opts.metrics.registry],
  });
  const slowCloses = new Counter({
    name: 'hub_subscription_slow_closes_total',
    help: 'Subscription connections closed because they fell more than SUBSCRIPTION_QUEUE_LIMIT events behind.',
    registers: [opts.metrics.registry],
  });

  async function fetchFederated(query: string, variables: Record<string, unknown>, caller: SubscriptionCaller): Promise<FedResult> {
    fetches.inc();
    const res = await opts.apollo.executeOperation(
      { query, variables, operationName: OPERATION_NAME },
      // Built by the gateway from a subscription that already passed the safelist: trusted past it.
      { contextValue: gatewayContextFor(caller, true) },
    );
    if (res.body.kind !== 'single') return { data: null, errors: [{ message: 'Unexpected incremental result' }] };
    return { data: res.body.singleResult.data, errors: res.body.singleResult.errors ?? [] };
  }

  /**
   * What the subscriptions of one (scopes, selection) share, held by them: each event's payload (by event
   * id), and its federated reads, batched (ReadBatcher): at most READS_IN_FLIGHT at a time, each one
   * query for the events that arrived meanwhile (at most READ_BATCH). `queued` starts an event's payload; the
   * first of its subscribers to be told of a live event does it, the others find it started.
   */
  interface Selection {
    payload(event: HubEvent, caller: SubscriptionCaller): Promise<EventPayload>;
    queued(event: HubEvent, caller: SubscriptionCaller): void;
    users: number;
  }
  const selections = new Map<string, Selection>();
  const acquireSelection = (key: string, plan: FederatedPlan, field: string) => {
    let selection = selections.get(key);
    if (!selection) {
      const loader = plan.query ? new ReadBatcher<{ event: HubEvent; caller: SubscriptionCaller }, FedResult>(
        async (items) => {
          const { query, variables, split } = plan.batch(items.map((i) => i.event));
          const result = await fetchFederated(query, variables, items[0]!.caller).catch((e: unknown): FedResult => {
            opts.log.error('federated read for events failed', { err: (e as Error).message, eventIds: items.map((i) => i.event.id) });
            return { data: null, errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] };
          });
          return split(result);
        },
        READ_BATCH,
        READS_IN_FLIGHT,
      ) : undefined;
      const payloads = new SharedResults<EventPayload>();
      const payload = (event: HubEvent, caller: SubscriptionCaller) =>
        payloads.get(event.id, () => {
          const build = async (): Promise<EventPayload> => ({ event, fed: loader ? await loader.load({ event, caller }) : NO_FED });
          // One CONSUMER span per event and selection (the work its subscribers share), continuing the
          // trace the event carries from its publish; a batched read runs in the span of its first event.
          if (!tracingOn()) return build();
          return eventSpan(`hub.subscription ${field}`, event.traceparent, { 'hub.event.id': event.id }, build);
        });
      let last: string | undefined;
      selection = {
        payload,
        queued(event, caller) {
          if (event.id === last) return;
          last = event.id;
          void payload(event, caller);
        },
        users: 0,
      };
      selections.set(key, selection);
    }
    selection.users++;
    const held = selection;
    return {
      selection: held,
      release: () => {
        if (--held.users === 0 && selections.get(key) === held) selections.delete(key);
      },
    };
  };

  /** Open subscriptions per subject in this gateway, for MAX_SUBSCRIPTIONS_PER_SUBJECT. */
  const perSubject = new Map<string, number>();
  const { maxSubscriptionsPerConnection, maxSubscriptionsPerSubject } = opts.limits;
  /** Takes a subscription slot of the connection and the subject, or throws RATE_LIMITED; returns its release. */
  const takeSlot = (ctx: SubscriptionContext): (() => void) => {
    const held = perSubject.get(ctx.subject) ?? 0;
    if (ctx.connection.subscriptions >= maxSubscriptionsPerConnection) {
      throw coded(`At most ${maxSubscriptionsPerConnection} subscriptions may be open on one connection.`, ErrorCode.RATE_LIMITED, undefined, { limit: 'subscriptionsPerConnection' });
    }
    if (maxSubscriptionsPerSubject > 0 && held >= maxSubscriptionsPerSubject) {
      throw coded(`At most ${maxSubscriptionsPerSubject} subscriptions may be open per caller.`, ErrorCode.RATE_LIMITED, undefined, { limit: 'subscriptionsPerSubject' });
    }
    ctx.connection.subscriptions++;
    perSubject.set(ctx.subject, held + 1);
    return () => {
      ctx.connection.subscriptions--;
      const left = (perSubject.get(ctx.subject) ?? 1) - 1;
      if (left > 0) perSubject.set(ctx.subject, left);
      else perSubject.delete(ctx.subject);
    };
  };

  const subscriptionType = schema.getSubscriptionType()!;
  for (const [name, field] of Object.entries(SUBSCRIPTION_FIELDS)) {
    const def = subscriptionType.getFields()[name]!;
    const eventType = schema.getType(field.eventType) as GraphQLObjectType;
    def.resolve = (payload: EventPayload | typeof TOKEN_EXPIRED) => {
      if (payload === TOKEN_EXPIRED) throw tokenExpired();
      return payload;
    };
    def.subscribe = (_root, args: { id?: string | null; plant?: string | null; after?: string | null }, ctx: SubscriptionContext, info) => {
      const release = takeSlot(ctx);
      const plan = planFederatedQuery(schema, eventType, info.fieldNodes, info.operation, info.fragments, info.variableValues);
      const id = args.id ?? undefined;
      const plant = args.plant ?? undefined;
      const { selection, release: releaseSelection } = acquireSelection(`${scopeKey(ctx.caller)}\n${name}\n${plan.key}`, plan, name);
      const events = new SubscriptionEvents(opts.bus, (e) => field.matches(e, id, plant), ctx.budget, args.after ?? undefined, (e) =>
        selection.queued(e, ctx.caller),
      );
      const audited = opts.audit?.fieldsOf(schema, plan.query);
      const requestId = randomUUID();
      const operationName = info.operation.name?.value ?? null;
      opts.metrics.subscriptionsActive.inc();
      const deliver = async (event: HubEvent): Promise<EventPayload> => {
        const payload = await selection.payload(event, ctx.caller);
        if (audited?.size) {
          const ids = [event.id, ...('productionOrderId' in event ? [event.productionOrderId] : [])];
          opts.audit!.delivered({ caller: ctx.caller, requestId, operationName, fields: audited, ids });
        }
        return payload;
      };
      return mapIterator(
        untilExpiry(events, ctx.caller.expiresAt),
        async (event): Promise<EventPayload | typeof TOKEN_EXPIRED> => (event === TOKEN_EXPIRED ? event : deliver(event)),
        () => {
          release();
          releaseSelection();
          opts.metrics.subscriptionsActive.dec();
        },
      );
    };
  }
  for (const [typeName, resolvers] of Object.entries(EVENT_TYPE_RESOLVERS)) {
    const fields = (schema.getType(typeName) as GraphQLObjectType).getFields();
    for (const [fieldName, resolve] of Object.entries(resolvers)) fields[fieldName]!.resolve = resolve;
  }

  /** Arguments checked before the subscription starts, so a bad one is a subscribe-time error. */
  async function checkArguments(document: DocumentNode, req: OperationRequest): Promise<readonly GraphQLError[]> {
    const op = getOperationAST(document, req.operationName ?? undefined);
    if (!op || op.operation !== 'subscription') return [];
    const vars = getVariableValues(schema, op.variableDefinitions ?? [], req.variables ?? {});
    if (vars.errors) return vars.errors.map((e) => coded(e.message, ErrorCode.BAD_USER_INPUT, e));
    const fragments = Object.fromEntries(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]),
    );
    for (const nodes of collectFields(schema, subscriptionType, [op.selectionSet], fragments, vars.coerced).values()) {
      const def = subscriptionType.getFields()[nodes[0]!.name.value];
      if (!def) continue;
      const args = getArgumentValues(def, nodes[0]!, vars.coerced) as { after?: unknown };
      if (args.after != null && !isEventId(String(args.after))) {
        return [new GraphQLError('`after` must be an eventId received from this subscription (e.g. "1718000000000-0").', {
          nodes: nodes[0], extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName: 'after' },
        })];
      }
      // Resuming past the retention would silently skip events: say so, so the client reloads its state.
      if (args.after != null && (await opts.bus.lost(String(args.after)))) {
        return [new GraphQLError(
          'Events after this `after` are no longer kept (retention: EVENT_STREAM_MAXLEN); subscribe without `after` and reload the current state.',
          { nodes: nodes[0], extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName: 'after', reason: 'EVENTS_EXPIRED' } },
        )];
      }
    }
    return [];
  }

  // The text a client sent, by parsed document: queries over a subscription transport run through Apollo
  // with it, so its safelist sees the hash the client's text has (printing would change it).
  const texts = new WeakMap<DocumentNode, string>();

  /**
   * Each payload's result per operation (text, name, variables): the subscribers of one operation share
   * one execution per event. Its resolvers read only the payload, never the subscriber's context, and
   * the payload is already per caller scopes. Kept as long as the payload is (SharedResults).
   */
  const executions = new WeakMap<object, Map<string, ReturnType<typeof graphqlExecute>>>();
  const executeShared = (args: ExecutionArgs, operation: string, payload: unknown) => {
    if (typeof payload !== 'object' || payload === null) return graphqlExecute({ ...args, rootValue: payload });
    let byOperation = executions.get(payload);
    if (!byOperation) executions.set(payload, (byOperation = new Map()));
    let result = byOperation.get(operation);
    if (!result) byOperation.set(operation, (result = graphqlExecute({ ...args, rootValue: payload })));
    return result;
  };

  /** The operation's text: sent as is, or named by its manifest hash; an error when there is none or the safelist refuses it. */
  function operationText(req: OperationRequest): string | GraphQLError {
    const hash = (req.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
    const query = req.query || (typeof hash === 'string' ? opts.safelist?.get(hash) : undefined);
    if (typeof query !== 'string' || query === '') return coded('No query was sent.', ErrorCode.BAD_USER_INPUT);
    if (opts.safelist && !opts.safelist.has(sha256(query))) return notInList();
    return query;
  }

  return {
    async prepare(req, ctx) {
      const query = operationText(req);
      if (typeof query !== 'string') return [query];
      // A connection outlives its token no longer than the token itself (the transports also end it).
      if (expired(ctx.caller)) return [tokenExpired()];
      if (!ctx.counted) {
        const limited = await opts.limit(ctx.subject);
        if (limited) return [coded(limited.message, ErrorCode.RATE_LIMITED, undefined, { retryAfterSeconds: limited.extensions.retryAfterSeconds })];
      }
      const hide = (message: string) => (opts.hideSuggestions ? withoutSuggestions(message) : message);
      let document: DocumentNode;
      try {
        document = parse(query, { maxTokens: opts.limits.maxTokens });
      } catch (e) {
        return [coded((e as Error).message, ErrorCode.GRAPHQL_PARSE_FAILED, e as GraphQLError)];
      }
      const invalid = validate(schema, document, undefined, { maxErrors: opts.limits.maxErrors });
      if (invalid.length > 0) return invalid.map((e) => coded(hide(e.message), ErrorCode.GRAPHQL_VALIDATION_FAILED, e));
      const operation = getOperationAST(document, req.operationName ?? undefined);
      if (!operation) {
        return [coded('The operation to run could not be determined (name it with operationName).', ErrorCode.BAD_USER_INPUT)];
      }
      // The same variables bounds and depth, alias and cost limits as HTTP operations (a subscription
      // is re-run per event).
      const problems = checkOperation(schema, document, operation, req.variables ?? undefined, opts.limits, opts.hideSuggestions);
      if (problems.length) return problems;
      const argErrors = await checkArguments(document, req);
      if (argErrors.length > 0) return argErrors;
      texts.set(document, query);
      return {
        schema,
        document,
        variableValues: req.variables ?? {},
        operationName: req.operationName ?? undefined,
        contextValue: ctx,
        fieldResolver: readByResponseKey,
      };
    },
    async execute(args) {
      const ctx = args.contextValue as SubscriptionContext;
      const res = await opts.apollo.executeOperation(
        { query: texts.get(args.document) ?? print(args.document), variables: (args.variableValues ?? {}) as Record<string, unknown>, operationName: args.operationName ?? undefined },
        { contextValue: gatewayContextFor(ctx.caller) },
      );
      if (res.body.kind !== 'single') return { errors: [coded('Incremental delivery is not supported here.', ErrorCode.BAD_USER_INPUT)] };
      return res.body.singleResult as ExecutionResult;
    },
    // graphql-js's `subscribe`, with the per-event execution shared (executeShared).
    async subscribe(args) {
      const stream = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in stream)) return stream;
      const operation = `${texts.get(args.document) ?? print(args.document)}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}`;
      return mapIterator(stream[Symbol.asyncIterator](), async (payload) => executeShared(args, operation, payload), () => undefined);
    },
    budget(close) {
      let closed = false;
      return {
        queued: 0,
        limit: opts.queueLimit,
        overflow() {
          if (closed) return;
          closed = true;
          slowCloses.inc();
          close();
        },
      };
    },
  };
}
