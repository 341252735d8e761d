// First: graphql's development-mode checks off before anything loads graphql (lib/graphql-production.ts).
import '../lib/graphql-production.ts';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { metricsAllowed } from '../lib/admin-auth.ts';
import { loadConfig, type HubConfig } from '../lib/config.ts';
import { createGraphQLHandler, sendJson } from '../lib/apollo-http.ts';
import { createFormatError, leanPlugins, leanServerOptions, metricsPlugin, staleExtensionPlugin } from '../lib/apollo-plugins.ts';
import { createLogger } from '../lib/log.ts';
import { isMain, runMain } from '../lib/main.ts';
import { flushTracing, startTracing, traceRequest } from '../lib/tracing.ts';
import { createMetrics } from '../lib/metrics.ts';
import { closeServer, createHttpServer, listen, type RunningServer } from '../lib/http-server.ts';
import { createGatewayContext, type GatewayContext } from './context.ts';
import { serveBoard } from './board/serve.ts';
import { serveExplorer, serveExplorerAsset, wantsExplorer } from './explorer.ts';
import { withSubgraphSummary } from './metrics-summary.ts';
import { checkSubgraphs, subgraphCircuits } from './readiness.ts';
import { createDeliveryAudit } from './security/delivery-audit.ts';
import { createReportsRoute } from './reports/index.ts';
import { createGatewaySecurity } from './security/index.ts';
import { createResponseCache } from './response-cache.ts';
import { SubgraphSource } from './subgraph-source.ts';
import { captureApiSchema, startLive, subscriptionsOverHttpPlugin } from './subscriptions/index.ts';
import { readSupergraph } from './supergraph.ts';

/**
 * The gateway: @apollo/gateway over a composed supergraph (SUPERGRAPH_PATH) inside Apollo Server, on one port with
 * `/graphql` (HTTP; the explorer for browsers), `/health`, `/ready` and `/metrics`.
 */
export async function startGateway(config: HubConfig): Promise<RunningServer> {
  const log = createLogger('gateway', config.logLevel);
  await startTracing(config.tracing, 'gateway', log);
  const metrics = createMetrics('gateway');
  const supergraph = readSupergraph(config);
  const urls = supergraph.urls;
  const security = createGatewaySecurity(config, log);
  // A foreign subgraph does not check the hub's signature; SIGNED_SUBGRAPHS limits signing to those that do.
  const signs = (name: string) => !config.signedSubgraphs || config.signedSubgraphs.includes(name);
  const responses = createResponseCache(config, { log, metrics, callerOf: security.callerOf, supergraphSdl: supergraph.sdl });
  const gateway = new ApolloGateway({
    // Read once at start: no composition and no SDL work at run time.
    supergraphSdl: supergraph.sdl,
    buildService: ({ name, url }) => new SubgraphSource(urls[name] ?? url ?? '', signs(name) ? security.signer : undefined),
  });
  const apiSchema = captureApiSchema(gateway);
  const deliveryAudit = createDeliveryAudit(gateway, config, log);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    ...leanServerOptions,
    formatError: createFormatError(log),
    ...security.apolloOptions,
    // CSRF prevention stays on (a GET or a simple POST needs a header no form can send), and a request
    // carrying Authorization passes it: that header cannot be set cross-site without a CORS preflight.
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'] },
    // The default landing page would load Apollo's sandbox from a CDN; the hub serves GraphiQL itself.
    plugins: [
      ...leanPlugins(),
      ApolloServerPluginLandingPageDisabled(),
      metricsPlugin<GatewayContext>(metrics),
      staleExtensionPlugin<GatewayContext>(),
      ...security.plugins,
      subscriptionsOverHttpPlugin(),
      responses.plugin,
    ],
  });
  await apollo.start();
  const graphql = createGraphQLHandler<GatewayContext>({
    server: apollo,
    maxBodyBytes: security.maxBodyBytes,
    context: async (req) => createGatewayContext(req, security.callerOf(req), responses.reportFor(req)),
    around: (req, body, search, execute) => responses.around(req, body, search, execute),
  });

  const reports = createReportsRoute({ apollo, apiSchemaSdl: apiSchema(), security, config: config.reports, log });
  const server = createHttpServer(log, async (req, res, url) => {
    if (await reports.route(req, res, url)) return;
    if (url.pathname === '/graphql' || url.pathname === '/graphql/stream') {
      if (url.pathname === '/graphql' && security.explorer && wantsExplorer(req)) return serveExplorer(res);
      // One gate for every HTTP transport (POST, GET, graphql-sse): token, rate limit, bounded body.
      const admitted = await security.gate(req, res);
      if (!admitted) {
        // Refused before parsing (401/413/429): counted, though no operation name is known yet.
        metrics.graphqlRequests.inc({ operation: 'unparsed', outcome: 'rejected' });
        return;
      }
      if (await live.route(req, res, url, admitted)) return;
      return traceRequest(req, 'gateway', () => graphql(req, res, url.search, admitted));
    }
    if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok', service: 'gateway' });
    if (url.pathname === '/ready') {
      const [subgraphs, circuits] = await Promise.all([
        checkSubgraphs(urls, undefined, (body, name) => (signs(name) ? security.signProbe(body) : {})),
        subgraphCircuits(urls),
      ]);
      const ready = Object.values(subgraphs).every(Boolean);
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', subgraphs, circuits });
    }
    if (url.pathname === '/metrics') {
      if (!metricsAllowed(req, res, config.security.metricsToken)) return;
      const own = await metrics.registry.metrics();
      const subgraphMetrics = Object.values(urls).map((u) => u.replace(/\/graphql$/, '/metrics'));
      const text = await withSubgraphSummary(own, subgraphMetrics, config.security.metricsToken);
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      return void res.end(text);
    }
    if (security.explorer && serveExplorerAsset(res, url.pathname)) return;
    if (serveBoard(res, url.pathname)) return;
    if (url.pathname === '/favicon.ico') {
      // Browsers ask for it on every page; an empty answer keeps their consoles free of 404s.
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(302, { location: '/graphql' }).end();
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  });
  // Subscriptions: graphql-ws on the upgrade of /graphql, graphql-sse on /graphql/stream (gateway/subscriptions).
  const live = await startLive({
    server,
    apollo,
    apiSchema: apiSchema(),
    config,
    log,
    metrics,
    authenticate: (authorization) => security.guard.authenticator.authenticateAuthorization(authorization),
    limit: (subject) => security.guard.limit(subject),
    audit: deliveryAudit,
    safelist: security.safelist,
  });
  const port = await listen(server, config.host, config.ports.gateway);
  const url = `http://${config.host}:${port}/graphql`;
  log.info('gateway listening', { url, subgraphs: urls });
  return {
    url,
    port,
    async close() {
      await live.close();
      await closeServer(server);
      await apollo.stop();
      await security.close();
      await deliveryAudit.close();
      await flushTracing();
      await responses.close();
    },
  };
}

if (isMain(import.meta.url)) runMain(() => startGateway(loadConfig()));
