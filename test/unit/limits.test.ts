import { buildSchema, getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationShape } from '../../gateway/security/limits/complexity.ts';
import { checkVariables, variablesShapeError } from '../../gateway/security/limits/variables.ts';
import { withoutSuggestions } from '../../gateway/security/limits/suggestions.ts';

const schema: GraphQLSchema = buildSchema(`
  type Query { orders(first: Int): [Order!]! order(id: ID!): Order period(p: PeriodInput): Int }
  type Order { id: ID! lines: [Line!]! }
  type Line { qty: Int }
  input PeriodInput { from: String to: String }
`);
const opts = { defaultListSize: 5 };
const shapeOf = (query: string, variables?: Record<string, unknown>) => {
  const doc = parse(query);
  return operationShape(schema, doc, getOperationAST(doc)!, variables, opts);
};
const limits = { maxVariableNodes: 100, maxVariableDepth: 4, maxErrors: 5 };
const varsCheck = (query: string, variables: unknown, hide = true) => {
  const doc = parse(query);
  return checkVariables(schema, getOperationAST(doc)!, variables, limits, hide);
};

describe('operationShape (the cost, depth and alias estimate)', () => {
  it('counts a spread fragment as often as it is spread, from one summary', () => {
    const once = shapeOf('{ ...F } fragment F on Query { a: order(id: 1) { id } }');
    const twice = shapeOf('{ ...F ...F } fragment F on Query { a: order(id: 1) { id } }');
    expect(twice.cost).toBe(2 * once.cost);
    expect(twice.aliases).toBe(2);
    expect(twice.rootFields).toBe(2);
  });

  it('is linear: 40 fragments each spreading the next twice give 2^40 root fields at once', () => {
    const frags = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
    const started = Date.now();
    const shape = shapeOf([`{ ...F0 }`, ...frags, 'fragment F40 on Query { order(id: 1) { id } }'].join('\n'));
    expect(shape.rootFields).toBe(2 ** 40);
    expect(shape.cost).toBe(2 ** 40 * 2);
    // 2^40 walks would never finish; the summaries make it a few dozen.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('multiplies lists by first (or the default list size) and names a fragment cycle instead of expanding it', () => {
    expect(shapeOf('{ orders(first: 10) { lines { qty } } }').cost).toBe(1 + 10 * (1 + 5 * 1));
    expect(shapeOf('query($n: Int) { orders(first: $n) { id } }', { n: 3 }).cost).toBe(1 + 3);
    expect(shapeOf('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }').fragmentCycle).toMatch(/^[AB]$/);
  });
});

describe('checkVariables', () => {
  const q = 'query($p: PeriodInput) { period(p: $p) }';

  it('reports at most maxErrors problems, each naming a path instead of printing the value', () => {
    const p = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    const doc = parse(q);
    const errors = checkVariables(schema, getOperationAST(doc)!, { p }, { ...limits, maxVariableNodes: 10_000 }, true);
    expect(errors).toHaveLength(limits.maxErrors + 1);
    expect(errors[0]!.message).toBe('Variable "$p" got invalid value at "p"; Field "k0" is not defined by type "PeriodInput".');
    expect(errors.at(-1)!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'errors' });
    for (const e of errors) expect(e.message.length).toBeLessThan(200);
  });

  it('strips "Did you mean" only when asked', () => {
    expect(varsCheck(q, { p: { fro: 'x' } }, true)[0]!.message).not.toMatch(/Did you mean/);
    expect(varsCheck(q, { p: { fro: 'x' } }, false)[0]!.message).toMatch(/Did you mean "from"/);
    expect(withoutSuggestions('Cannot query field "x" on type "Q". Did you mean "y" or "z"?')).toBe('Cannot query field "x" on type "Q".');
  });

  it('bounds the shape before coercing: values counted through every level, and nesting', () => {
    expect(variablesShapeError({ a: Array.from({ length: 101 }, () => 1) }, limits)?.extensions).toMatchObject({ limit: 'variableValues' });
    expect(variablesShapeError({ a: [[[[[1]]]]] }, limits)?.extensions).toMatchObject({ limit: 'variableDepth' });
    expect(variablesShapeError({ a: [[1, 2], { b: 'c' }] }, limits)).toBeUndefined();
    expect(varsCheck(q, { p: { from: 'a', to: 'b' } })).toEqual([]);
    expect(varsCheck('query($id: ID!) { order(id: $id) { id } }', {})[0]!.message).toMatch(/required type "ID!" was not provided/);
  });
});
