/** The repository's imports, read with the TypeScript compiler API: what the import-graph tests walk. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Specifier {
  text: string;
  /** `import type`, `export type`, every named import marked `type`, or an `import('…').T` type: erased at run time. */
  typeOnly: boolean;
}

/**
 * Every module specifier a file names: static imports and re-exports, `import type` and
 * `export type` (a type-only import still ties the two modules together: a reader has to read both
 * to understand either, and codegen or a refactor can turn it into a value import), `import x = require()`,
 * dynamic `import()` and `import('…').T` type references.
 */
export function importsOf(file: string, text: string): Specifier[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: Specifier[] = [];
  const literal = (node: ts.Node | undefined, typeOnly: boolean): void => {
    if (node && ts.isStringLiteralLike(node)) found.push({ text: node.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named?.length && named.every((e) => e.isTypeOnly)));
      literal(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) literal(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) literal(node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) literal(node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export const specifiersOf = (file: string, text: string): string[] => importsOf(file, text).map((s) => s.text);

/** Every .ts file of the repository outside node_modules (absolute paths). */
export function repoFiles(dir: string): string[] {
  return ts.sys
    .readDirectory(dir, ['.ts'], ['**/node_modules', '**/.git'], undefined)
    .map((f) => resolve(f))
    .filter((f) => !f.split('/').includes('node_modules'));
}

/** The repository's own import graph: every .ts file outside node_modules, edges to the repo's files only. */
export function importGraph(dir: string): Map<string, string[]> {
  const config = ts.readConfigFile(resolve(dir, 'tsconfig.json'), ts.sys.readFile).config ?? {};
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, dir);
  const files = repoFiles(dir);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const edges = new Set<string>();
    for (const spec of specifiersOf(file, ts.sys.readFile(file) ?? '')) {
      const target = ts.resolveModuleName(spec, file, options, ts.sys).resolvedModule?.resolvedFileName;
      if (target && known.has(resolve(target))) edges.add(resolve(target));
    }
    graph.set(file, [...edges].sort());
  }
  return graph;
}

/** Strongly connected components (Tarjan) with more than one module, or a module importing itself. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

/** One closed path through a component, so a failure names the imports to cut: a -> b -> a. */
export function pathThrough(component: string[], graph: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = component[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return component;
}
