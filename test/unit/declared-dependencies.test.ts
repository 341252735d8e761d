import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, REPO_ROOT as root, repoFiles } from '../support/imports.ts';

/** What the hub's processes run: the production image installs `dependencies` only. */
const RUNTIME = ['lib/', 'gateway/', 'subgraphs/', 'systems/'];

/** Deep imports a package documents as its entry points (no `exports` map says so for them). */
const DOCUMENTED_DEEP = new Set(['ajv/dist/2019.js']);

const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const bare = (spec: string) => !spec.startsWith('.') && !spec.startsWith('/') && !spec.startsWith('node:');

/**
 * Every package a file imports is one package.json declares: a package that only arrives through
 * another (node-fetch under @apollo/gateway) changes or vanishes with that package's next release.
 * Code the processes run takes values from `dependencies`; a type-only import may name a
 * devDependency (the generated resolver types name mercurius-codegen's), since it is erased. No import
 * reaches into a package's build folder, which is not its interface.
 */
export function undeclaredImports(
  files: { path: string; text: string }[],
  pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> },
): string[] {
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  const found: string[] = [];
  for (const { path, text } of files) {
    const runtime = RUNTIME.some((dir) => path.startsWith(dir));
    for (const { text: spec, typeOnly } of importsOf(path, text)) {
      if (!bare(spec)) continue;
      const name = packageOf(spec);
      if (!deps.has(name) && !dev.has(name)) found.push(`${path}: ${spec} is not in package.json`);
      else if (runtime && !typeOnly && !deps.has(name)) found.push(`${path}: ${spec} is a devDependency, and the processes load it`);
      if (/\/(dist|build|lib)\//.test(spec) && !DOCUMENTED_DEEP.has(spec)) found.push(`${path}: ${spec} reaches into the package's build`);
    }
  }
  return found;
}

describe('declared dependencies', () => {
  it('tells an undeclared package, a devDependency loaded at run time and a deep import apart', () => {
    const pkg = { dependencies: { graphql: '16' }, devDependencies: { vitest: '3' } };
    const file = (path: string, text: string) => ({ path, text });
    expect(
      undeclaredImports(
        [
          file('gateway/a.ts', "import nodeFetch from 'node-fetch';\nimport { parse } from 'graphql';\nimport type { X } from 'vitest';"),
          file('gateway/b.ts', "import { it } from 'vitest';\nimport type { M } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';"),
          file('test/c.ts', "import { it } from 'vitest';\nimport { readFileSync } from 'node:fs';\nimport { a } from './a.ts';"),
        ],
        pkg,
      ),
    ).toEqual([
      'gateway/a.ts: node-fetch is not in package.json',
      'gateway/b.ts: vitest is a devDependency, and the processes load it',
      'gateway/b.ts: @apollo/subgraph/dist/schema-helper/resolverMap.js is not in package.json',
      "gateway/b.ts: @apollo/subgraph/dist/schema-helper/resolverMap.js reaches into the package's build",
    ]);
  });

  it('every import of the repository names a package package.json declares, through its interface', () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
    // bench/peers is a project of its own, with its own package.json.
    const files = repoFiles(root)
      .map((f) => relative(root, f))
      .filter((f) => !f.startsWith('bench/peers/'))
      .map((path) => ({ path, text: readFileSync(resolve(root, path), 'utf8') }));
    expect(files.length).toBeGreaterThan(100);
    const found = undeclaredImports(files, pkg);
    expect(found, found.join('\n')).toEqual([]);
  });

  it('the hub installs and imports no Redis mock: its tests talk to a real Redis', () => {
    const MOCKS = /(^|\/)(ioredis-mock|redis-mock|redis-memory-server|fakeredis|redis-server-mock)$/;
    // bench/peers is Hive Gateway's own tree: its @graphql-mesh/cache-redis depends on ioredis-mock
    // (used when no Redis is configured); the bench runs Hive as shipped and no hub code or test loads it.
    const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages).filter((p) => MOCKS.test(p))).toEqual([]);
    const imports = repoFiles(root)
      .map((f) => relative(root, f))
      .filter((f) => !f.startsWith('bench/peers/'))
      .flatMap((path) => importsOf(path, readFileSync(resolve(root, path), 'utf8')).map((i) => `${path}: ${i.text}`));
    expect(imports.length).toBeGreaterThan(500);
    expect(imports.filter((i) => MOCKS.test(packageOf(i.split(': ')[1]!)))).toEqual([]);
  });
});
