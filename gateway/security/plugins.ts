import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { QueryLimits } from '../../lib/config.ts';
import { ErrorCode } from '../../lib/errors.ts';
import { operationShape } from '../../lib/limits/complexity.ts';
import type { GatewayContext } from '../context.ts';

const tooComplex = (limit: string, max: number, actual: number) =>
  new GraphQLError(`The operation exceeds the ${limit} limit (${actual} > ${max}).`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, max, actual, http: { status: 400 } },
  });

/**
 * Depth, alias, root-field and cost limits, checked once the operation is parsed, validated and
 * chosen, before the gateway plans or runs anything.
 */
export function limitsPlugin(limits: QueryLimits): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const shape = operationShape(schema, document, operation, request.variables, limits);
          if (shape.depth > limits.maxDepth) throw tooComplex('depth', limits.maxDepth, shape.depth);
          if (shape.aliases > limits.maxAliases) throw tooComplex('aliases', limits.maxAliases, shape.aliases);
          if (shape.rootFields > limits.maxRootFields) throw tooComplex('rootFields', limits.maxRootFields, shape.rootFields);
          if (shape.cost > limits.maxCost) throw tooComplex('cost', limits.maxCost, shape.cost);
        },
      };
    },
  };
}

/** Safelist mode: only operations whose sha256 is in the manifest run (`PERSISTED_QUERY_NOT_IN_LIST`). */
export function safelistPlugin(manifest: Map<string, string>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ queryHash }) {
          if (!manifest.has(queryHash)) {
            throw new GraphQLError('Only operations from the persisted-operations manifest run on this hub.', {
              extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
