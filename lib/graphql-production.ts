/**
 * graphql-js's development-mode checks off in every mode the hub runs in. graphql 16 decides once, when
 * `graphql/jsutils/instanceOf` is first loaded, from `process.env.NODE_ENV === 'production'`; in
 * development its `instanceOf` does extra work on every type check (about 5 % of a subgraph's CPU).
 * The hub's own mode is also read from NODE_ENV (demo vs production security defaults), so NODE_ENV is
 * set to `production` only while graphql's module loads, then put back.
 *
 * Import this first in every entry file: Node evaluates imports in order, so graphql is loaded here
 * before any other module requires it. The hub's ESM imports of `graphql` resolve to the same CommonJS
 * build that @apollo/* require (the package has no `exports` map), so this one load covers both.
 */
import { createRequire } from 'node:module';

const mode = process.env.NODE_ENV;
process.env.NODE_ENV = 'production';
try {
  createRequire(import.meta.url)('graphql/jsutils/instanceOf.js');
} finally {
  if (mode === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = mode;
}
