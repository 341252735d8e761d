import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** What a fresh Node process that loads the hub's entry module sees: graphql's check and NODE_ENV. */
function probe(entry: string, nodeEnv: string | undefined): { devChecks: boolean; nodeEnv: string | null } {
  const script = `
    await import(${JSON.stringify(entry)});
    const { createRequire } = await import('node:module');
    const { instanceOf } = createRequire(process.cwd() + '/')('graphql/jsutils/instanceOf.js');
    // graphql's development variant explains multi-realm errors; the production one is a bare instanceof.
    console.log(JSON.stringify({ devChecks: String(instanceOf).includes('realm'), nodeEnv: process.env.NODE_ENV ?? null }));`;
  const env = { ...process.env };
  delete env.NODE_ENV;
  if (nodeEnv !== undefined) env.NODE_ENV = nodeEnv;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe("graphql-js's development-mode checks", () => {
  // Vitest itself runs with NODE_ENV=test; the hub's processes are probed in processes of their own.
  for (const mode of [undefined, 'development', 'production']) {
    it(`are off in the gateway's process with NODE_ENV=${mode ?? '(unset)'}, and the hub's mode is unchanged`, () => {
      const seen = probe(new URL('../gateway/server.ts', import.meta.url).href, mode);
      expect(seen).toEqual({ devChecks: false, nodeEnv: mode ?? null });
    });
  }

  it('are on in a process that loads graphql without the hub (the probe can tell them apart)', () => {
    expect(probe('graphql', 'development').devChecks).toBe(true);
  });
});
