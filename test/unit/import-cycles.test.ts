import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, pathThrough, REPO_ROOT as root, specifiersOf } from '../support/imports.ts';

describe('import graph', () => {
  it('finds cycles, type-only and dynamic imports included', () => {
    const a = '/r/a.ts', b = '/r/b.ts', c = '/r/c.ts', d = '/r/d.ts';
    expect(specifiersOf(a, "import type { X } from './b.ts';\nconst m = await import('./c.ts');\nlet y: import('./d.ts').Y;\nexport * from './e.ts';"))
      .toEqual(['./b.ts', './c.ts', './d.ts', './e.ts']);
    const graph = new Map([[a, [b]], [b, [c]], [c, [a]], [d, [d]]]);
    expect(cycles(graph)).toEqual([[a, b, c], [d]]);
    expect(cycles(new Map([[a, [b]], [b, [c]], [c, []]]))).toEqual([]);
  });

  it('has no cycle: no module imports, directly or through others, back into its importer', () => {
    const graph = importGraph(root);
    expect(graph.size).toBeGreaterThan(100);
    const described = cycles(graph).map((component) => {
      const path = pathThrough(component, graph).map((f) => relative(root, f));
      const others = component.map((f) => relative(root, f)).filter((f) => !path.includes(f));
      return path.join(' -> ') + (others.length ? ` (and, in the same knot: ${others.join(', ')})` : '');
    });
    expect(described, `import cycles:\n${described.join('\n')}`).toEqual([]);
  });
});
