/**
 * The reviewed report operations (`*.graphql` in the reports folder), read and checked once at start
 * against the gateway's API schema: a file that does not validate stops the gateway with its name.
 *
 * A report file holds one named query. Leading `#` lines are its description; a `# rows: a.b` line
 * names the rows (default: the one root field): a path through the response to a list, optionally
 * followed by keys inside each item (`# rows: productionOrders.edges.node`). Each row's fields become
 * columns named by their dotted path (`material.description`); a list inside a row is one column
 * holding JSON. When the operation declares `$after: String` and its root field selects
 * `pageInfo { hasNextPage endCursor }`, the export pages through it (bounded memory at any size).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  getNamedType, getNullableType, isListType, isObjectType, isInterfaceType, Kind, parse, print, validate,
  type DocumentNode, type FieldNode, type GraphQLField, type GraphQLNamedType, type GraphQLObjectType, type GraphQLInterfaceType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';

export interface ReportVariable {
  name: string;
  type: string;
  defaultValue: string | null;
}

export interface Report {
  name: string;
  description: string;
  operationName: string;
  query: string;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: ReportVariable[];
  /** Response keys from `data` to the list of rows. */
  rows: string[];
  /** Keys inside each list item down to the row object (`node` for connection edges), often none. */
  item: string[];
  /** Dotted column names; `lists` are the ones whose value is a JSON list. */
  columns: string[];
  lists: Set<string>;
  /** Pages through `pageInfo.endCursor` of the first `rows` key. */
  paged: boolean;
}

type Composite = GraphQLObjectType | GraphQLInterfaceType;
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Fields of a selection set with fragments expanded (the export flattens what the response will hold). */
function fieldsOf(set: SelectionSetNode, doc: DocumentNode): FieldNode[] {
  return set.selections.flatMap((s): FieldNode[] => {
    if (s.kind === Kind.FIELD) return [s];
    if (s.kind === Kind.INLINE_FRAGMENT) return fieldsOf(s.selectionSet, doc);
    const frag = doc.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
    return frag && frag.kind === Kind.FRAGMENT_DEFINITION ? fieldsOf(frag.selectionSet, doc) : [];
  });
}

function columnsOf(set: SelectionSetNode, type: Composite, doc: DocumentNode, prefix: string, out: { columns: string[]; lists: Set<string> }): void {
  const seen = new Set<string>();
  for (const f of fieldsOf(set, doc)) {
    const key = f.alias?.value ?? f.name.value;
    if (seen.has(key)) continue;
    seen.add(key);
    const def = type.getFields()[f.name.value];
    if (!def) continue;
    const name = prefix + key;
    const named = getNamedType(def.type);
    if (isListType(getNullableType(def.type))) {
      out.columns.push(name);
      out.lists.add(name);
    } else if (f.selectionSet && (isObjectType(named) || isInterfaceType(named))) columnsOf(f.selectionSet, named, doc, `${name}.`, out);
    else out.columns.push(name);
  }
}

export function analyse(name: string, text: string, schema: GraphQLSchema): Report {
  if (!NAME.test(name)) throw new Error(`report file name '${name}' must be lower-case letters, digits and dashes`);
  const document = parse(text);
  const errors = validate(schema, document);
  if (errors.length) throw new Error(`report '${name}' does not validate: ${errors.map((e) => e.message).join('; ')}`);
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = ops[0];
  if (ops.length !== 1 || !operation || operation.operation !== 'query' || !operation.name) throw new Error(`report '${name}' must hold exactly one named query`);
  const comments = text.split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s?/, ''));
  const rowsLine = comments.find((l) => l.startsWith('rows:'));
  const description = comments.filter((l) => l !== rowsLine).join(' ').trim();
  const queryType = schema.getQueryType();
  if (!queryType) throw new Error('the schema has no Query type');
  const roots = fieldsOf(operation.selectionSet, document);
  const path = rowsLine ? rowsLine.slice(5).trim().split('.') : roots.length === 1 ? [roots[0]!.alias?.value ?? roots[0]!.name.value] : [];
  if (path.length === 0) throw new Error(`report '${name}' has several root fields: name the rows with a '# rows: field.path' line`);
  // Walk the rows path through the selection and the schema down to the list.
  let set: SelectionSetNode | undefined = operation.selectionSet;
  let type: Composite = queryType;
  let listAt = -1;
  let root: FieldNode | undefined;
  for (const [i, key] of path.entries()) {
    const f: FieldNode | undefined = set ? fieldsOf(set, document).find((x) => (x.alias?.value ?? x.name.value) === key) : undefined;
    const def: GraphQLField<unknown, unknown> | undefined = f ? type.getFields()[f.name.value] : undefined;
    const named: GraphQLNamedType | undefined = def ? getNamedType(def.type) : undefined;
    if (!f || !def || !named || !(isObjectType(named) || isInterfaceType(named)) || !f.selectionSet) throw new Error(`report '${name}': rows path '${path.join('.')}' does not reach a list of objects`);
    root ??= f;
    if (isListType(getNullableType(def.type))) {
      if (listAt >= 0) throw new Error(`report '${name}': the rows path '${path.join('.')}' crosses two lists`);
      listAt = i;
    }
    set = f.selectionSet;
    type = named;
  }
  if (listAt < 0 || !set) throw new Error(`report '${name}': the rows path '${path.join('.')}' holds no list`);
  const rows = path.slice(0, listAt + 1);
  const item = path.slice(listAt + 1);
  const out = { columns: [] as string[], lists: new Set<string>() };
  columnsOf(set, type, document, '', out);
  const variables = (operation.variableDefinitions ?? []).map((v) => ({ name: v.variable.name.value, type: print(v.type), defaultValue: v.defaultValue ? print(v.defaultValue) : null }));
  const selectsPageInfo = !!root?.selectionSet && fieldsOf(root.selectionSet, document).some((f) => f.name.value === 'pageInfo' && !f.alias);
  const paged = selectsPageInfo && variables.some((v) => v.name === 'after' && v.type === 'String');
  return { name, description, operationName: operation.name.value, query: text, document, operation, variables, rows, item, columns: out.columns, lists: out.lists, paged };
}

/**
 * Every `*.graphql` of `dir`, by file name (without the extension). A report that does not fit the
 * schema throws, unless `skip` is given: then it is handed to `skip` and left out (the built-in reports
 * on a foreign supergraph, which has none of the fields they read).
 */
export function loadReports(dir: string, schema: GraphQLSchema, skip?: (name: string, reason: string) => void): Map<string, Report> {
  const out = new Map<string, Report>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort()) {
    const name = file.slice(0, -'.graphql'.length);
    try {
      out.set(name, analyse(name, readFileSync(join(dir, file), 'utf8'), schema));
    } catch (e) {
      if (!skip) throw e;
      skip(name, (e as Error).message);
    }
  }
  return out;
}
