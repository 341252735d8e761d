import {
  coerceInputValue,
  GraphQLError,
  isNonNullType,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { ErrorCode } from '../../../lib/errors.ts';
import { withoutSuggestions } from './suggestions.ts';

/**
 * Bounds on a request's variables, checked before anything else looks at them. graphql-js (as
 * @apollo/gateway calls it) makes one error per invalid value and prints the whole input object into
 * each message: an input object with n unknown keys costs n^2 (4,000 keys took 12 s and 1.9 GB). Here
 * the shape is bounded first (values counted through every level, nesting depth), then each variable is
 * coerced with its own error callback that names the path instead of printing the value, and stops
 * after `maxErrors`. Linear in the size of the variables.
 */
export interface VariableLimits {
  maxVariableNodes: number;
  maxVariableDepth: number;
  maxErrors: number;
}

const bad = (message: string, extra: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...extra } });

/** Counts values (object entries and list items) and nesting; stops at the first bound exceeded. */
export function variablesShapeError(variables: unknown, limits: Pick<VariableLimits, 'maxVariableNodes' | 'maxVariableDepth'>): GraphQLError | undefined {
  let nodes = 0;
  // Iterative: a deeply nested value must not exhaust the stack before the depth bound is seen.
  const stack: [unknown, number][] = [[variables, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.maxVariableDepth) {
      return bad(`Variables are nested deeper than ${limits.maxVariableDepth} levels.`, { limit: 'variableDepth', max: limits.maxVariableDepth });
    }
    const children = Array.isArray(value) ? value : Object.values(value);
    nodes += children.length;
    if (nodes > limits.maxVariableNodes) {
      return bad(`Variables hold more than ${limits.maxVariableNodes} values.`, { limit: 'variableValues', max: limits.maxVariableNodes });
    }
    for (const c of children) if (c !== null && typeof c === 'object') stack.push([c, depth + 1]);
  }
  return undefined;
}

class TooManyErrors extends Error {}

/**
 * Checks an operation's variables against its definitions: shape bounds, then coercion. Returns at most
 * `maxErrors` errors (BAD_USER_INPUT); none when the variables are fine. `hideSuggestions` drops
 * "Did you mean ...?" (introspection off: the names are not the client's to learn).
 */
export function checkVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: unknown,
  limits: VariableLimits,
  hideSuggestions: boolean,
): GraphQLError[] {
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return [bad('`variables` must be a JSON object.')];
  }
  const shape = variablesShapeError(variables, limits);
  if (shape) return [shape];
  const given = (variables ?? {}) as Record<string, unknown>;
  const errors: GraphQLError[] = [];
  const push = (message: string) => {
    errors.push(bad(hideSuggestions ? withoutSuggestions(message) : message));
    if (errors.length >= limits.maxErrors) throw new TooManyErrors();
  };
  try {
    for (const def of operation.variableDefinitions ?? []) {
      const name = def.variable.name.value;
      // Unknown types are a validation error reported elsewhere.
      const type = typeFromAST(schema, def.type) as GraphQLInputType | undefined;
      if (!type) continue;
      if (!Object.hasOwn(given, name) || given[name] === undefined) {
        if (isNonNullType(type) && !def.defaultValue) push(`Variable "$${name}" of required type "${String(type)}" was not provided.`);
        continue;
      }
      const value = given[name];
      if (value === null && isNonNullType(type)) {
        push(`Variable "$${name}" of non-null type "${String(type)}" must not be null.`);
        continue;
      }
      coerceInputValue(value, type, (path, _invalid, error) => {
        push(`Variable "$${name}" got invalid value at "${[name, ...path].join('.')}"; ${error.message}`);
      });
    }
  } catch (e) {
    if (!(e instanceof TooManyErrors)) throw e;
    errors.push(bad(`More than ${limits.maxErrors} problems in the variables; the rest were not checked.`, { limit: 'errors' }));
  }
  return errors;
}
