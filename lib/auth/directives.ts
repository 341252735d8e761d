import {
  defaultFieldResolver,
  getNamedType,
  isObjectType,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { hasScope, type Caller } from './caller.ts';
import { forbidden } from './errors.ts';
import { requestSecurity } from './request-security.ts';

/**
 * The one shared piece that enforces Federation's `@authenticated` and `@requiresScopes` in the
 * subgraphs. It reads the directives from the subgraph's own SDL once, at schema build time, and wraps
 * the resolver of every field they guard, so every path to the field is covered: root queries,
 * mutations, and `_entities` lookups alike (an entity fetch resolves the same object fields). The check
 * runs at field resolution, after any entity cache, so cached records are never served to the wrong
 * caller: the cache holds upstream records, the decision is made per request, per field.
 *
 * A field is guarded by its own directives, by those on its parent type (stricter than the spec, so an
 * entity type's rule cannot be bypassed through `_entities`) and by those on the type it returns.
 * A refused field resolves to null with a FORBIDDEN error at its path; the rest of the query answers.
 */
export interface Requirement {
  authenticated: boolean;
  /** `@requiresScopes(scopes: [[a, b], [c]])`: all of at least one inner list (OR of ANDs). */
  anyOf: string[][];
}

type DirectiveHolder = { astNode?: { directives?: readonly ConstDirectiveNode[] | undefined } | null | undefined };
type ExtensionHolder = { extensionASTNodes?: readonly { directives?: readonly ConstDirectiveNode[] | undefined }[] };

function directives(x: DirectiveHolder & ExtensionHolder): ConstDirectiveNode[] {
  return [...(x.astNode?.directives ?? []), ...(x.extensionASTNodes ?? []).flatMap((e) => e.directives ?? [])];
}

function requirementsOf(holder: DirectiveHolder & ExtensionHolder): Requirement[] {
  const out: Requirement[] = [];
  for (const d of directives(holder)) {
    if (d.name.value === 'authenticated') out.push({ authenticated: true, anyOf: [] });
    if (d.name.value === 'requiresScopes') {
      const arg = d.arguments?.find((a) => a.name.value === 'scopes');
      const value = arg ? valueFromASTUntyped(arg.value) : [];
      const anyOf = Array.isArray(value) ? value.map((inner) => (Array.isArray(inner) ? inner.map(String) : [String(inner)])) : [];
      out.push({ authenticated: true, anyOf });
    }
  }
  return out;
}

/** True when `caller` meets every requirement. */
export function satisfies(caller: Caller, reqs: readonly Requirement[]): boolean {
  return reqs.every(
    (r) =>
      (!r.authenticated || !caller.anonymous) &&
      (r.anyOf.length === 0 || r.anyOf.some((all) => all.every((s) => hasScope(caller, s)))),
  );
}

function describe(reqs: readonly Requirement[]): string {
  const scoped = reqs.filter((r) => r.anyOf.length);
  if (!scoped.length) return 'an authenticated caller';
  return scoped.map((r) => r.anyOf.map((all) => all.join(' + ')).join(' or ')).join(' and ');
}

/** Ids the audit log names for a guarded field: the parent's id, and id-like arguments (mutations). */
function auditIds(source: unknown, args: Record<string, unknown>): string[] {
  const ids: string[] = [];
  const parentId = (source as { id?: unknown } | null)?.id;
  if (typeof parentId === 'string') ids.push(parentId);
  const scan = (o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) if ((k === 'id' || k.endsWith('Id')) && typeof v === 'string') ids.push(v);
  };
  scan(args);
  for (const v of Object.values(args)) if (v && typeof v === 'object' && !Array.isArray(v)) scan(v as Record<string, unknown>);
  return ids;
}

/** The guarded fields of a schema, as `Type.field` -> requirements (for tests and docs). */
export function guardedFields(schema: GraphQLSchema): Map<string, Requirement[]> {
  const out = new Map<string, Requirement[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeReqs = requirementsOf(type);
    for (const field of Object.values(type.getFields())) {
      const returned = getNamedType(field.type) as GraphQLNamedType & DirectiveHolder & ExtensionHolder;
      const reqs = [...requirementsOf(field), ...typeReqs, ...requirementsOf(returned)];
      if (reqs.length) out.set(`${type.name}.${field.name}`, reqs);
    }
  }
  return out;
}

/**
 * Wraps, in place, every guarded field's resolver with the scope check, and every Mutation field's
 * resolver with an audit record. Call once per process, on the schema `buildSubgraphSchema` returned.
 */
export function applyAuthorization(schema: GraphQLSchema): GraphQLSchema {
  const guarded = guardedFields(schema);
  const mutationType = schema.getMutationType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const isMutation = type === mutationType;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const reqs = guarded.get(coordinate);
      if (!reqs && !isMutation) continue;
      const original: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      const needs = reqs ? describe(reqs) : '';
      field.resolve = (source, args: Record<string, unknown>, ctx, info) => {
        const sec = requestSecurity(ctx);
        const ids = auditIds(source, args);
        if (reqs && !satisfies(sec.caller, reqs)) {
          sec.audit.record(coordinate, ids, 'denied', isMutation);
          throw forbidden(coordinate, needs);
        }
        try {
          const result = original(source, args, ctx, info);
          if (result instanceof Promise) {
            return result.then(
              (v) => (sec.audit.record(coordinate, ids, 'ok', isMutation), v),
              (e: unknown) => {
                sec.audit.record(coordinate, ids, 'error', isMutation);
                throw e;
              },
            );
          }
          sec.audit.record(coordinate, ids, 'ok', isMutation);
          return result;
        } catch (e) {
          sec.audit.record(coordinate, ids, 'error', isMutation);
          throw e;
        }
      };
    }
  }
  return schema;
}
