import type { GraphQLField, GraphQLNamedType, GraphQLObjectType, GraphQLType } from 'graphql';

/**
 * Type predicates that work across graphql's two builds. Under vitest our modules get graphql's ESM
 * build while @apollo/* load its CommonJS build, so graphql's own `isObjectType` (an `instanceof`)
 * throws on a schema Apollo built. graphql 16 tags each type class with `Symbol.toStringTag`.
 */
const tag = (t: unknown): string => Object.prototype.toString.call(t);

export const isObjectTypeLike = (t: unknown): t is GraphQLObjectType => tag(t) === '[object GraphQLObjectType]';

export const hasFields = (t: unknown): t is { getFields(): Record<string, GraphQLField<unknown, unknown>> } =>
  tag(t) === '[object GraphQLObjectType]' || tag(t) === '[object GraphQLInterfaceType]';

export const isNonNullLike = (t: unknown): t is { ofType: GraphQLType } => tag(t) === '[object GraphQLNonNull]';

export const isListLike = (t: unknown): t is { ofType: GraphQLType } => tag(t) === '[object GraphQLList]';

/** The type without its non-null wrapper. */
export const nullable = (t: GraphQLType): GraphQLType => (isNonNullLike(t) ? t.ofType : t);

/** The named type under every list and non-null wrapper. */
export function named(t: GraphQLType): GraphQLNamedType {
  let cur: GraphQLType = t;
  while (isNonNullLike(cur) || isListLike(cur)) cur = cur.ofType;
  return cur as GraphQLNamedType;
}
