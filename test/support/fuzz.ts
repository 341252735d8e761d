/**
 * A seeded generator of random GraphQL requests over the hub's schema, and of mutations of them
 * (text damage, wrong variables, odd bodies). Deterministic per seed, so a failure is reproducible.
 */
import {
  getNamedType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof rng>;

const NASTY = ["') or 1 eq 1 or ('", "x' or Plant ne 'x", '../../etc/passwd', '%00', '${jndi:x}', '<script>', '', ' ', '💥', 'null', '-1', '1'.repeat(80)];
const IDS = ['1000045', '000001000045', '1000000', '1', '1000', '2000', 'WO-000001', 'WO-000123', 'EQ-1000-03', 'LOT-000001', '99999999'];
const TOKENS = ['{', '}', '(', ')', ':', '...', '"x"', '$v', '@skip(if: true)', '@include(if: $v)', 'standardCost', 'plannedCost', 'actualCost',
  'processParameters { value lowerLimit }', 'lowerLimit', 'query', 'mutation', 'subscription', 'fragment F on Query { plants { id } }', '# c\n',
  '\u0000', '\\', 'first: 500', 'first: -1', '__schema { types { name } }', '__typename', 'a: id', 'on', '[', ']', '!', '='];

function argValue(r: Rng, type: GraphQLInputType, name: string): string {
  const t = isNonNullType(type) ? type.ofType : type;
  if (isListType(t)) return `[${argValue(r, t.ofType, name)}]`;
  const named = getNamedType(t);
  if (isEnumType(named)) return r.chance(0.9) ? r.pick(named.getValues()).name : 'NOPE';
  if (named.name === 'Int') return String(r.chance(0.85) ? r.int(1, 3) : r.pick([0, -1, 501, 100000, 2 ** 31]));
  if (named.name === 'Float') return String(r.next() * 100);
  if (named.name === 'Boolean') return String(r.chance(0.5));
  const s = r.chance(0.6) ? r.pick(IDS) : r.pick(NASTY);
  return JSON.stringify(s);
}

/** A random selection set on `type`, at most `depth` levels deep. */
function selection(r: Rng, schema: GraphQLSchema, type: GraphQLNamedType, depth: number, alias: { n: number }): string {
  if (isUnionType(type)) return `{ __typename ${type.getTypes().slice(0, 2).map((t) => `... on ${t.name} ${selection(r, schema, t, depth - 1, alias)}`).join(' ')} }`;
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  const fields = Object.values(type.getFields()).filter((f) => !f.name.startsWith('_'));
  const picked = new Set<GraphQLField<unknown, unknown>>();
  const want = r.int(1, 4);
  for (let i = 0; i < want * 2 && picked.size < want; i++) {
    const f = r.pick(fields);
    const leaf = isScalarType(getNamedType(f.type)) || isEnumType(getNamedType(f.type));
    if (!leaf && depth <= 0) continue;
    picked.add(f);
  }
  if (!picked.size) return '{ __typename }';
  const parts = [...picked].map((f) => {
    const args = f.args.filter((a) => isNonNullType(a.type) || r.chance(0.5)).map((a) => `${a.name}: ${argValue(r, a.type, a.name)}`);
    const sub = selection(r, schema, getNamedType(f.type), depth - 1, alias);
    const name = r.chance(0.1) ? `a${alias.n++}: ${f.name}` : f.name;
    return `${name}${args.length ? `(${args.join(', ')})` : ''} ${sub}`;
  });
  if (r.chance(0.1)) parts.push('__typename');
  return `{ ${parts.join(' ')} }`;
}

export function randomQuery(r: Rng, schema: GraphQLSchema): string {
  const alias = { n: 0 };
  return `query Fuzz ${selection(r, schema, schema.getQueryType()!, r.int(1, 4), alias)}`;
}

/** Text damage: deletions, duplications, swaps and insertions of GraphQL-ish tokens. */
export function mutate(r: Rng, q: string): string {
  let s = q;
  for (let i = r.int(1, 3); i > 0; i--) {
    const at = r.int(0, s.length);
    const op = r.int(0, 3);
    if (op === 0) s = s.slice(0, at) + s.slice(at + r.int(1, 8));
    else if (op === 1) s = s.slice(0, at) + s.slice(at, at + r.int(1, 20)).repeat(r.int(2, 4)) + s.slice(at);
    else if (op === 2) s = s.slice(0, at) + ` ${r.pick(TOKENS)} ` + s.slice(at);
    else {
      const b = r.int(0, s.length);
      const [x, y] = [Math.min(at, b), Math.max(at, b)];
      s = s.slice(0, x) + s.slice(y, y + 1) + s.slice(x + 1, y) + s.slice(x, x + 1) + s.slice(y + 1);
    }
  }
  return s;
}

/** A request body: mostly a generated query, sometimes damaged, sometimes not a GraphQL request at all. */
export function randomBody(r: Rng, schema: GraphQLSchema): string {
  const q = randomQuery(r, schema);
  const roll = r.next();
  if (roll < 0.45) return JSON.stringify({ query: q });
  if (roll < 0.85) return JSON.stringify({ query: mutate(r, q), ...(r.chance(0.3) ? { variables: { v: r.pick([1, 'x', null, true, [1]]) } } : {}) });
  return r.pick([
    '{"query": ',
    '[]',
    JSON.stringify([{ query: q }, { query: q }]),
    JSON.stringify({ query: 42 }),
    JSON.stringify({ query: q, operationName: 'Other' }),
    JSON.stringify({ query: q, variables: 'nope' }),
    JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }),
    JSON.stringify({ query: `mutation { __typename }` }),
    JSON.stringify({ query: `subscription { __typename }` }),
    JSON.stringify({ query: q.replace('query Fuzz', 'query Fuzz($v: ID)'), variables: { v: r.pick(NASTY) } }),
    'null',
    '',
  ]);
}
