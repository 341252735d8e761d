/**
 * Report variables from a query string: each value is read as the operation's variable type asks
 * (numbers, booleans, comma-separated lists, JSON for input objects), then coerced and checked by
 * graphql-js exactly as a GraphQL request's variables are. Anything wrong is a BAD_USER_INPUT.
 */
import { getVariableValues, Kind, type GraphQLSchema, type TypeNode } from 'graphql';
import { badUserInput } from '../../lib/errors.ts';
import type { Report } from './catalog.ts';

/** Query parameters that are options of the export, not variables. */
export const OPTIONS = new Set(['bom']);

function fromText(text: string, type: TypeNode): unknown {
  if (type.kind === Kind.NON_NULL_TYPE) return fromText(text, type.type);
  if (type.kind === Kind.LIST_TYPE) return text === '' ? [] : text.split(',').map((part) => fromText(part.trim(), type.type));
  switch (type.name.value) {
    case 'Int':
    case 'Float':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'Boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    default:
      if (!text.startsWith('{')) return text;
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
  }
}

/** The variables of `report` from `params`, coerced; throws BAD_USER_INPUT naming what is wrong. */
export function reportVariables(report: Report, params: URLSearchParams, schema: GraphQLSchema): Record<string, unknown> {
  const defs = report.operation.variableDefinitions ?? [];
  const inputs: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    if (OPTIONS.has(key)) continue;
    const def = defs.find((d) => d.variable.name.value === key);
    if (!def) throw badUserInput(`report '${report.name}' has no variable '${key}' (variables: ${defs.map((d) => d.variable.name.value).join(', ') || 'none'})`, key);
    if (params.getAll(key).length > 1) throw badUserInput(`variable '${key}' is given more than once (lists are comma-separated)`, key);
    inputs[key] = fromText(params.get(key) ?? '', def.type);
  }
  const result = getVariableValues(schema, defs, inputs, { maxErrors: 5 });
  if (result.errors) throw badUserInput(result.errors.map((e) => e.message).join(' '));
  return inputs;
}
