import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for the hub and for every package (Apollo, graphql-ws,
    // graphql-sse); vite would hand the hub's own files the ES module build, and graphql refuses
    // objects (schemas, errors) made by another instance of itself. Tests run what production runs.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files start their own servers on free ports and use their own Redis prefixes, so they may
    // run in parallel; two workers match the machines this runs on.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
