import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { QueryLimits } from '../../lib/config.ts';
import { ErrorCode } from '../../lib/errors.ts';
import { operationShape } from './limits/complexity.ts';
import { checkVariables } from './limits/variables.ts';
import type { GatewayContext } from '../context.ts';

const tooComplex = (limit: string, max: number, actual: number) =>
  new GraphQLError(`The operation exceeds the ${limit} limit (${actual} > ${max}).`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, max, actual, http: { status: 400 } },
  });

/**
 * The depth, alias, root-field and cost limits for one chosen operation: the first one it exceeds, as a
 * QUERY_TOO_COMPLEX error, or undefined. Shared by HTTP operations (below) and subscriptions.
 */
export function exceededLimit(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: QueryLimits,
): GraphQLError | undefined {
  const shape = operationShape(schema, document, operation, variables, limits);
  if (shape.fragmentCycle) {
    return new GraphQLError(`Cannot spread fragment "${shape.fragmentCycle}" within itself.`, {
      extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, http: { status: 400 } },
    });
  }
  if (shape.depth > limits.maxDepth) return tooComplex('depth', limits.maxDepth, shape.depth);
  if (shape.aliases > limits.maxAliases) return tooComplex('aliases', limits.maxAliases, shape.aliases);
  if (shape.rootFields > limits.maxRootFields) return tooComplex('rootFields', limits.maxRootFields, shape.rootFields);
  if (shape.cost > limits.maxCost) return tooComplex('cost', limits.maxCost, shape.cost);
  return undefined;
}

/**
 * Everything the gate checks about one chosen operation, for every transport: the variables (bounded
 * shape, then coercion with at most `maxErrors` errors), then depth, aliases, root fields and cost.
 * The first problems found, or an empty list.
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: unknown,
  limits: QueryLimits,
  hideSuggestions: boolean,
): GraphQLError[] {
  const invalid = checkVariables(schema, operation, variables, limits, hideSuggestions);
  if (invalid.length) return invalid;
  const exceeded = exceededLimit(schema, document, operation, (variables ?? undefined) as Record<string, unknown> | undefined, limits);
  return exceeded ? [exceeded] : [];
}

/** One error for HTTP (Apollo lets a plugin hook throw one): the first, saying how many there were. */
function oneError(errors: GraphQLError[]): GraphQLError {
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (${errors.length - 1} more problem${errors.length > 2 ? 's' : ''} not shown)` : '';
  return new GraphQLError(first.message + more, { extensions: { ...first.extensions, http: { status: 400 } } });
}

/**
 * Variables, depth, alias, root-field and cost limits, checked once the operation is parsed, validated and
 * chosen, before the gateway plans or runs anything. An operation that cannot be chosen, or whose root
 * type the graph lacks, is refused here too (400), before the planner would fail on it.
 */
export function limitsPlugin(limits: QueryLimits, hideSuggestions: boolean): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          // The gateway's own per-event reads for subscriptions (gateway/subscriptions): each subscription's
          // operation passed these limits, and a read carries its selection once per event of a bounded
          // batch, so it may have more aliases and root fields than a client may send.
          if (contextValue.internal) return;
          // @apollo/gateway answers these two with a 500 of its own; they are the client's mistakes.
          if (!operation) {
            const name = request.operationName;
            throw new GraphQLError(name ? `Unknown operation named "${name}".` : 'Name the operation to run (operationName).', {
              extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
            });
          }
          const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() };
          if (!root[operation.operation]) {
            throw new GraphQLError(`This graph has no ${operation.operation} operations.`, {
              extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, http: { status: 400 } },
            });
          }
          const problems = checkOperation(schema, document, operation, request.variables, limits, hideSuggestions);
          if (problems.length) throw oneError(problems);
        },
      };
    },
  };
}

export const notInList = () =>
  new GraphQLError('Only operations from the persisted-operations manifest run on this hub.', {
    extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 400 } },
  });

/** Safelist mode: only operations whose sha256 is in the manifest run (`PERSISTED_QUERY_NOT_IN_LIST`). */
export function safelistPlugin(manifest: Map<string, string>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ queryHash, contextValue }) {
          // The gateway's own per-event reads for a subscription that passed this same list (gateway/subscriptions).
          if (contextValue.internal) return;
          if (!manifest.has(queryHash)) throw notInList();
        },
      };
    },
  };
}
