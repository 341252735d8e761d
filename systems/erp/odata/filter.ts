/**
 * OData `$filter` subset: a tokenizer and a recursive-descent parser that build a typed AST, compiled to
 * a predicate. Literals never become syntax: `'a'') or 1 eq 1 or (''b'` is one string, whatever it says.
 */
import type { Scalar } from '../../plant/types.ts';
import type { FieldType, Row } from '../schema.ts';

export class FilterError extends Error {}

type Token =
  | { t: 'str'; v: string; pos: number }
  | { t: 'num'; v: number; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'punct'; v: '(' | ')' | ','; pos: number };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type Operand = { kind: 'field'; name: string } | { kind: 'literal'; value: Scalar };
export type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand }
  | { kind: 'in'; operand: Operand; values: Scalar[] }
  | { kind: 'value'; operand: Operand };

const COMPARE = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const MAX_DEPTH = 100;
const MAX_LENGTH = 64 * 1024;
const DATETIME = /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const sticky = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    return re.exec(src)?.[0];
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c, pos: i++ });
    } else if (c === "'") {
      const start = i++;
      let v = '';
      for (;;) {
        if (i >= src.length) throw new FilterError(`unterminated string literal at position ${start}`);
        const ch = src[i] as string;
        if (ch === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += ch;
        i++;
      }
      out.push({ t: 'str', v, pos: start });
    } else if (/[0-9-]/.test(c)) {
      const dt = sticky(DATETIME);
      const num = sticky(NUMBER);
      if (dt && (!num || dt.length > num.length)) {
        const ms = Date.parse(dt.length === 10 ? `${dt}T00:00:00Z` : dt);
        if (Number.isNaN(ms)) throw new FilterError(`invalid date/time literal '${dt}'`);
        out.push({ t: 'str', v: new Date(ms).toISOString(), pos: i });
        i += dt.length;
      } else if (num) {
        out.push({ t: 'num', v: Number(num), pos: i });
        i += num.length;
      } else {
        throw new FilterError(`unexpected '${c}' at position ${i}`);
      }
    } else {
      const w = sticky(WORD);
      if (!w) throw new FilterError(`unexpected '${c}' at position ${i}`);
      out.push({ t: 'word', v: w, pos: i });
      i += w.length;
    }
  }
  return out;
}

/** Parses `src` against the entity set's fields; throws FilterError with a message fit for a 400. */
export function parseFilter(src: string, fields: Readonly<Record<string, FieldType>>): Expr {
  if (src.length > MAX_LENGTH) throw new FilterError(`$filter longer than ${MAX_LENGTH} characters`);
  const tokens = tokenize(src);
  let p = 0;
  let depth = 0;
  const peek = (): Token | undefined => tokens[p];
  const isWord = (t: Token | undefined, w: string): boolean => t?.t === 'word' && t.v === w;
  const describe = (t: Token | undefined): string => (t ? `'${String(t.v)}' at position ${t.pos}` : 'end of $filter');
  const expect = (v: '(' | ')' | ','): void => {
    const t = tokens[p];
    if (t?.t !== 'punct' || t.v !== v) throw new FilterError(`expected '${v}' but found ${describe(t)}`);
    p++;
  };
  const nest = <T>(f: () => T): T => {
    if (++depth > MAX_DEPTH) throw new FilterError('$filter nested too deeply');
    try {
      return f();
    } finally {
      depth--;
    }
  };

  const literalOf = (t: Token | undefined): Scalar | undefined => {
    if (!t) return undefined;
    if (t.t === 'str' || t.t === 'num') return t.v;
    if (t.t === 'word' && (t.v === 'true' || t.v === 'false')) return t.v === 'true';
    if (t.t === 'word' && t.v === 'null') return null;
    return undefined;
  };

  const operand = (): Operand => {
    const t = tokens[p];
    const lit = literalOf(t);
    if (lit !== undefined) {
      p++;
      return { kind: 'literal', value: lit };
    }
    if (t?.t === 'word' && !COMPARE.has(t.v) && !['and', 'or', 'not', 'in'].includes(t.v)) {
      if (tokens[p + 1]?.t === 'punct' && tokens[p + 1]?.v === '(') throw new FilterError(`function '${t.v}' is not supported`);
      if (!Object.hasOwn(fields, t.v)) throw new FilterError(`unknown field '${t.v}'`);
      p++;
      return { kind: 'field', name: t.v };
    }
    throw new FilterError(`expected a field or a literal but found ${describe(t)}`);
  };

  const comparison = (): Expr => {
    const left = operand();
    const t = peek();
    if (t?.t === 'word' && COMPARE.has(t.v)) {
      p++;
      const right = operand();
      checkTypes(left, right, fields);
      return { kind: 'compare', op: t.v as CompareOp, left, right };
    }
    if (isWord(t, 'in')) {
      p++;
      expect('(');
      const values: Scalar[] = [];
      for (;;) {
        const lit = literalOf(peek());
        if (lit === undefined) throw new FilterError(`expected a literal in the 'in' list but found ${describe(peek())}`);
        checkTypes(left, { kind: 'literal', value: lit }, fields);
        values.push(lit);
        p++;
        if (peek()?.t === 'punct' && peek()?.v === ',') {
          p++;
          continue;
        }
        break;
      }
      expect(')');
      return { kind: 'in', operand: left, values };
    }
    if (typeOf(left, fields) !== 'boolean') throw new FilterError(`expected an operator after ${describe(tokens[p - 1])}`);
    return { kind: 'value', operand: left };
  };

  const unary = (): Expr =>
    nest(() => {
      const t = peek();
      if (isWord(t, 'not')) {
        p++;
        return { kind: 'not', operand: unary() };
      }
      if (t?.t === 'punct' && t.v === '(') {
        p++;
        const inner = or();
        expect(')');
        return inner;
      }
      return comparison();
    });
  const and = (): Expr => {
    let left = unary();
    while (isWord(peek(), 'and')) {
      p++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const or = (): Expr => {
    let left = and();
    while (isWord(peek(), 'or')) {
      p++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };

  if (tokens.length === 0) throw new FilterError('$filter is empty');
  const expr = or();
  if (p < tokens.length) throw new FilterError(`unexpected ${describe(tokens[p])}`);
  return expr;
}

function typeOf(o: Operand, fields: Readonly<Record<string, FieldType>>): FieldType | 'null' {
  if (o.kind === 'field') return fields[o.name] ?? 'string';
  if (o.value === null) return 'null';
  return typeof o.value as FieldType;
}

function checkTypes(a: Operand, b: Operand, fields: Readonly<Record<string, FieldType>>): void {
  const ta = typeOf(a, fields);
  const tb = typeOf(b, fields);
  if (ta !== 'null' && tb !== 'null' && ta !== tb) {
    const name = a.kind === 'field' ? a.name : b.kind === 'field' ? b.name : 'literal';
    throw new FilterError(`type mismatch: ${name} is ${ta}, compared with a ${tb} value`);
  }
}

type Getter = (row: Row) => Scalar;

function getter(o: Operand): Getter {
  if (o.kind === 'literal') {
    const v = o.value;
    return () => v;
  }
  const name = o.name;
  return (row) => row[name] ?? null;
}

function compare(op: CompareOp, a: Scalar, b: Scalar): boolean {
  if (op === 'eq') return a === b;
  if (op === 'ne') return a !== b;
  if (a === null || b === null) return false;
  if (op === 'gt') return a > b;
  if (op === 'ge') return a >= b;
  if (op === 'lt') return a < b;
  return a <= b;
}

export function compileFilter(expr: Expr): (row: Row) => boolean {
  switch (expr.kind) {
    case 'and': {
      const l = compileFilter(expr.left);
      const r = compileFilter(expr.right);
      return (row) => l(row) && r(row);
    }
    case 'or': {
      const l = compileFilter(expr.left);
      const r = compileFilter(expr.right);
      return (row) => l(row) || r(row);
    }
    case 'not': {
      const f = compileFilter(expr.operand);
      return (row) => !f(row);
    }
    case 'compare': {
      const l = getter(expr.left);
      const r = getter(expr.right);
      const op = expr.op;
      return (row) => compare(op, l(row), r(row));
    }
    case 'in': {
      const g = getter(expr.operand);
      const set = new Set(expr.values);
      return (row) => set.has(g(row));
    }
    case 'value': {
      const g = getter(expr.operand);
      return (row) => g(row) === true;
    }
  }
}

/**
 * A field the whole filter requires to equal one of a few values (`F eq 'x'`, `F in (...)`, possibly
 * inside an `and`), so the caller can start from an index instead of scanning every row.
 */
export function equalityHint(expr: Expr, usable: (field: string) => boolean): { field: string; values: Scalar[] } | undefined {
  if (expr.kind === 'and') return equalityHint(expr.left, usable) ?? equalityHint(expr.right, usable);
  if (expr.kind === 'in' && expr.operand.kind === 'field' && usable(expr.operand.name)) return { field: expr.operand.name, values: expr.values };
  if (expr.kind === 'compare' && expr.op === 'eq') {
    const { left, right } = expr;
    if (left.kind === 'field' && right.kind === 'literal' && usable(left.name)) return { field: left.name, values: [right.value] };
    if (right.kind === 'field' && left.kind === 'literal' && usable(right.name)) return { field: right.name, values: [left.value] };
  }
  return undefined;
}
