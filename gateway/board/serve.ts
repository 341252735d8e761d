import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { packageFile } from '../explorer.ts';

/**
 * The live production board: a static page (plain HTML, CSS and JS, no framework, no CDN) at `/board`.
 * It loads the running orders of a plant with one query, then follows them through the graphql-ws
 * subscriptions, with the graphql-ws client's browser build served from the installed package
 * (`/board/graphql-ws.js`), so it works on an air-gapped plant network, and in production, where the
 * explorer (and its assets) are off. Files are read once at start.
 */
const dir = new URL('./public/', import.meta.url);
const FILES: Record<string, { body: Buffer; type: string }> = {
  '/board': { body: readFileSync(new URL('index.html', dir)), type: 'text/html; charset=utf-8' },
  '/board/board.js': { body: readFileSync(new URL('board.js', dir)), type: 'text/javascript; charset=utf-8' },
  '/board/board-view.js': { body: readFileSync(new URL('board-view.js', dir)), type: 'text/javascript; charset=utf-8' },
  '/board/board.css': { body: readFileSync(new URL('board.css', dir)), type: 'text/css; charset=utf-8' },
  '/board/graphql-ws.js': { body: readFileSync(packageFile('graphql-ws', 'umd/graphql-ws.min.js')), type: 'text/javascript; charset=utf-8' },
};

/** Everything the page loads comes from this server; its WebSocket goes back to it. */
const CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

/** Serves the board's files; answers true when the path was one of them. */
export function serveBoard(res: ServerResponse, pathname: string): boolean {
  const file = FILES[pathname === '/board/' ? '/board' : pathname];
  if (!file) return false;
  res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', 'content-security-policy': CSP });
  res.end(file.body);
  return true;
}
