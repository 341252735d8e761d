import { createReadStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXAMPLE_OPERATIONS } from './examples.ts';

/**
 * GraphiQL, served from the npm packages installed with the hub (no CDN: plants are air-gapped).
 * The page introspects the same `/graphql` endpoint and opens with the example operations as tabs.
 */
const require = createRequire(import.meta.url);
/** A file inside an installed package, found past its `exports` map (UMD builds are not exported). */
export function packageFile(pkg: string, file: string): string {
  let dir = dirname(require.resolve(pkg));
  while (!existsSync(join(dir, 'package.json')) || !dir.endsWith(join('node_modules', pkg))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package ${pkg} not found`);
    dir = up;
  }
  return join(dir, file);
}
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': { file: packageFile('react', 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: packageFile('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: packageFile('graphiql', 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: packageFile('graphiql', 'graphiql.min.css'), type: 'text/css' },
  'graphql-ws.js': { file: packageFile('graphql-ws', 'umd/graphql-ws.min.js'), type: 'text/javascript' },
};

/** Serves `/explorer/<asset>`; answers true when the request was one. */
export function serveExplorerAsset(res: ServerResponse, pathname: string): boolean {
  const asset = ASSETS[pathname.slice('/explorer/'.length)];
  if (!pathname.startsWith('/explorer/') || !asset) return false;
  res.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=86400' });
  createReadStream(asset.file).pipe(res);
  return true;
}

/** A browser navigating to /graphql gets the explorer; API clients (JSON) never do. */
export function wantsExplorer(req: IncomingMessage): boolean {
  return req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
}

const tabs = JSON.stringify(EXAMPLE_OPERATIONS).replace(/</g, '\\u003c');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ERP-MES hub · GraphiQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/explorer/graphiql.css">
<style>html,body,#graphiql{height:100%;margin:0}</style>
</head>
<body>
<div id="graphiql">Loading the explorer…</div>
<script src="/explorer/react.js"></script>
<script src="/explorer/react-dom.js"></script>
<script src="/explorer/graphiql.js"></script>
<script src="/explorer/graphql-ws.js"></script>
<script>
  var tabs = ${tabs};
  // Subscriptions run over graphql-ws on the same endpoint (lazy: the socket opens with the first one).
  // GraphiQL sends its Headers tab over HTTP only; the socket takes the token from the same tab (as
  // GraphiQL persists it), read when a subscription opens the connection.
  function connectionParams() {
    try {
      var h = JSON.parse(localStorage.getItem('graphiql:headers') || '{}');
      var auth = h.authorization || h.Authorization;
      return auth ? { authorization: auth } : {};
    } catch (e) { return {}; }
  }
  var wsClient = graphqlWs.createClient({ url: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql', lazy: true, connectionParams: connectionParams });
  var fetcher = GraphiQL.createFetcher({ url: location.origin + '/graphql', headers: { 'apollo-require-preflight': 'true' }, wsClient: wsClient });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultTabs: tabs, defaultEditorToolsVisibility: true, shouldPersistHeaders: true })
  );
</script>
</body>
</html>`;

export function serveExplorer(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(PAGE);
}
