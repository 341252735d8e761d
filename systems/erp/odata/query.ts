/** OData query options over one entity set: `$filter $select $orderby $top $skip $count`, server paging. */
import type { Collection } from '../../common/collection.ts';
import { HttpError } from '../../common/http.ts';
import type { Scalar } from '../../plant/types.ts';
import type { EntitySet, Row } from '../schema.ts';
import { FilterError, compileFilter, equalityHint, parseFilter } from './filter.ts';

/** Rows per answer; larger `$top`s continue through `@odata.nextLink`. */
export const PAGE_SIZE = 200;
/** The most rows per answer a client may ask for with `Prefer: odata.maxpagesize`. */
export const MAX_PAGE_SIZE = 10_000;

/**
 * The page size a request asks for with `Prefer: odata.maxpagesize=N` (OData 4.0 section 8.2.8.3),
 * capped at MAX_PAGE_SIZE; undefined when it asks for none (the server's PAGE_SIZE applies).
 */
export function preferredPageSize(prefer: string | undefined): number | undefined {
  const m = /(?:^|[,;\s])(?:odata\.)?maxpagesize\s*=\s*"?(\d+)"?/i.exec(prefer ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > 0 ? Math.min(n, MAX_PAGE_SIZE) : undefined;
}
const OPTIONS = new Set(['$filter', '$select', '$orderby', '$top', '$skip', '$count', '$format']);
const CARRIED = ['$filter', '$select', '$orderby', '$count', '$format'];

function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

function nonNegativeInt(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw badRequest(`${name} must be a non-negative integer, got '${raw}'`);
  return Number(raw.trim());
}

export function parseSelect(set: EntitySet, raw: string | null): string[] | undefined {
  if (raw === null || raw.trim() === '' || raw.trim() === '*') return undefined;
  const fields = raw.split(',').map((s) => s.trim());
  for (const f of fields) if (!Object.hasOwn(set.fields, f)) throw badRequest(`$select: unknown field '${f}' in ${set.name}`);
  return fields;
}

export function project(row: Row, select: readonly string[] | undefined): Row {
  if (!select) return row;
  const out: Row = {};
  for (const f of select) out[f] = row[f] ?? null;
  return out;
}

function parseOrderBy(set: EntitySet, raw: string | null): { field: string; desc: boolean }[] {
  if (raw === null || raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const m = /^\s*([A-Za-z_]\w*)(?:\s+(asc|desc))?\s*$/.exec(part);
    if (!m) throw badRequest(`$orderby: cannot read '${part.trim()}'`);
    const field = m[1] as string;
    if (!Object.hasOwn(set.fields, field)) throw badRequest(`$orderby: unknown field '${field}' in ${set.name}`);
    return { field, desc: m[2] === 'desc' };
  });
}

function compareScalars(a: Scalar, b: Scalar): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function link(base: string, url: URL, top: number | undefined, skip: number): string {
  const parts: string[] = [];
  for (const name of CARRIED) {
    const v = url.searchParams.get(name);
    if (v !== null) parts.push(`${name}=${encodeURIComponent(v)}`);
  }
  if (top !== undefined) parts.push(`$top=${top}`);
  parts.push(`$skip=${skip}`);
  return `${base}?${parts.join('&')}`;
}

/**
 * Answers `GET /odata/<Set>?...` (or `POST /odata/<Set>/$query` with the options in `url`) as an OData
 * collection, `pageSize` rows per answer; throws HttpError 400 on a bad option.
 */
export function queryCollection(set: EntitySet, table: Collection<Row>, url: URL, root: string, pageSize = PAGE_SIZE): Record<string, unknown> {
  for (const name of url.searchParams.keys()) {
    if (name.startsWith('$') && !OPTIONS.has(name)) throw badRequest(`query option ${name} is not supported`);
  }
  const format = url.searchParams.get('$format');
  if (format !== null && format !== 'json' && format !== 'application/json') throw badRequest(`$format '${format}' is not supported (json only)`);
  const countRaw = url.searchParams.get('$count');
  if (countRaw !== null && countRaw !== 'true' && countRaw !== 'false') throw badRequest(`$count must be true or false, got '${countRaw}'`);
  const select = parseSelect(set, url.searchParams.get('$select'));
  const orderBy = parseOrderBy(set, url.searchParams.get('$orderby'));
  const top = nonNegativeInt(url, '$top');
  const skip = nonNegativeInt(url, '$skip') ?? 0;

  let rows: readonly Row[] = table.all();
  const filterRaw = url.searchParams.get('$filter');
  if (filterRaw !== null) {
    let expr;
    try {
      expr = parseFilter(filterRaw, set.fields);
    } catch (e) {
      if (e instanceof FilterError) throw badRequest(`$filter: ${e.message}`);
      throw e;
    }
    const predicate = compileFilter(expr);
    const singleKey = set.key.length === 1 ? set.key[0] : undefined;
    const hint = equalityHint(expr, (f) => f === singleKey || set.indexed.includes(f));
    if (hint && hint.field === singleKey) rows = table.getMany(hint.values.filter((v): v is string => typeof v === 'string'));
    else if (hint) rows = table.lookup(hint.field, hint.values);
    rows = rows.filter(predicate);
  }
  if (orderBy.length > 0) {
    rows = rows.slice().sort((a, b) => {
      for (const { field, desc } of orderBy) {
        const c = compareScalars(a[field] ?? null, b[field] ?? null);
        if (c !== 0) return desc ? -c : c;
      }
      return 0;
    });
  }
  const total = rows.length;
  const wanted = top ?? Infinity;
  const page = rows.slice(skip, skip + Math.min(wanted, pageSize));
  const base = `${root}/${set.name}`;
  const body: Record<string, unknown> = {
    '@odata.context': `${root}/$metadata#${set.name}${select ? `(${select.join(',')})` : ''}`,
  };
  if (countRaw === 'true') body['@odata.count'] = total;
  body.value = page.map((r) => project(r, select));
  const next = skip + page.length;
  if (page.length > 0 && next < total && wanted > page.length) {
    body['@odata.nextLink'] = link(base, url, top === undefined ? undefined : top - page.length, next);
  }
  return body;
}

/**
 * Reads the key of `Set('k')` or `Set(A='a',B='b')` into the table's key form (composite parts joined
 * by ','). Throws 400 for a malformed key.
 */
export function parseKey(set: EntitySet, raw: string): string {
  const values = new Map<string, string>();
  let i = 0;
  const literal = (): string => {
    if (raw[i] !== "'") throw badRequest(`key of ${set.name} must be a quoted string: (${raw})`);
    let v = '';
    for (i++; ; i++) {
      if (i >= raw.length) throw badRequest(`unterminated key literal: (${raw})`);
      if (raw[i] === "'") {
        if (raw[i + 1] === "'") {
          v += "'";
          i++;
          continue;
        }
        i++;
        return v;
      }
      v += raw[i];
    }
  };
  if (raw.trim().startsWith("'")) {
    i = raw.indexOf("'");
    const v = literal();
    if (raw.slice(i).trim() !== '') throw badRequest(`malformed key: (${raw})`);
    if (set.key.length !== 1) throw badRequest(`${set.name} has a composite key: name its parts (${set.key.join(', ')})`);
    return v;
  }
  while (i < raw.length) {
    const m = /\s*([A-Za-z_]\w*)\s*=\s*/y;
    m.lastIndex = i;
    const hit = m.exec(raw);
    if (!hit) throw badRequest(`malformed key: (${raw})`);
    i = m.lastIndex;
    values.set(hit[1] as string, literal());
    const sep = /\s*(,|$)\s*/y;
    sep.lastIndex = i;
    if (!sep.exec(raw)) throw badRequest(`malformed key: (${raw})`);
    i = sep.lastIndex;
  }
  if (values.size !== set.key.length || !set.key.every((k) => values.has(k))) {
    throw badRequest(`key of ${set.name} needs exactly ${set.key.join(', ')}`);
  }
  return set.key.map((k) => values.get(k) ?? '').join(',');
}
