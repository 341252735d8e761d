/**
 * Flat exports at the gateway: `GET /reports` lists the reviewed report operations with their variables,
 * `GET /reports/<name>.csv` and `.json` run one. Each page of a report is an ordinary operation through
 * the gateway's own Apollo Server (executeOperation) as the verified caller: the same authentication,
 * rate limit, scopes, depth/cost limits, audit and metrics as a GraphQL request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { ApolloServer } from '@apollo/server';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { sendCoded, sendJson } from '../../lib/apollo-http.ts';
import type { ReportsConfig } from '../../lib/config.ts';
import { ErrorCode } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { createGatewayContext, type GatewayContext } from '../context.ts';
import type { GatewaySecurity } from '../security/index.ts';
import { loadReports, type Report } from './catalog.ts';
import { ExportRefused, reportPages, streamReport, type Execute } from './export.ts';
import { reportVariables } from './variables.ts';

export const BUILT_IN_REPORTS = fileURLToPath(new URL('./operations/', import.meta.url));

const PATH = /^\/reports\/([a-z0-9][a-z0-9-]{0,63})\.(csv|json)$/;

const describe = (r: Report) => ({
  name: r.name,
  description: r.description,
  csv: `/reports/${r.name}.csv`,
  json: `/reports/${r.name}.json`,
  rows: `data.${r.rows.join('.')}`,
  rowItem: r.item.join('.') || null,
  paged: r.paged,
  columns: r.columns,
  variables: r.variables,
});

const refuse = (res: ServerResponse, status: number, message: string, code: string = ErrorCode.BAD_USER_INPUT) =>
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });

export interface ReportsRoute {
  route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export function createReportsRoute(opts: {
  apollo: ApolloServer<GatewayContext>;
  apiSchemaSdl: string;
  security: Pick<GatewaySecurity, 'gate' | 'callerOf'>;
  config: ReportsConfig;
  log: Logger;
}): ReportsRoute {
  const schema: GraphQLSchema = buildSchema(opts.apiSchemaSdl);
  // The operator's own reports must all fit; the built-in ones are left out where the graph lacks them.
  const reports = opts.config.dir
    ? loadReports(opts.config.dir, schema)
    : loadReports(BUILT_IN_REPORTS, schema, (name, reason) => opts.log.warn('built-in report left out: the supergraph lacks what it reads', { report: name, reason }));
  opts.log.info('reports loaded', { reports: [...reports.keys()] });

  return {
    async route(req, res, url) {
      if (url.pathname !== '/reports' && !url.pathname.startsWith('/reports/')) return false;
      if (req.method !== 'GET') {
        refuse(res, 405, 'reports are read with GET');
        return true;
      }
      // The gate every HTTP transport passes: token, rate limit (a GET has no body to bound).
      if (!(await opts.security.gate(req, res))) return true;
      if (url.pathname === '/reports' || url.pathname === '/reports/') {
        sendJson(res, 200, { reports: [...reports.values()].map(describe) });
        return true;
      }
      const m = PATH.exec(url.pathname);
      const report = m ? reports.get(m[1] ?? '') : undefined;
      if (!m || !report) {
        refuse(res, 404, `no report at ${url.pathname}: GET /reports lists them (${[...reports.keys()].map((n) => `/reports/${n}.csv`).join(', ')})`);
        return true;
      }
      let variables: Record<string, unknown>;
      try {
        variables = reportVariables(report, url.searchParams, schema);
      } catch (e) {
        sendCoded(res, e as never);
        return true;
      }
      const base = createGatewayContext(req, opts.security.callerOf(req));
      const execute: Execute = async (vars) => {
        const r = await opts.apollo.executeOperation(
          { query: report.query, operationName: report.operationName, variables: vars },
          { contextValue: { ...base, stale: { entries: [] } } },
        );
        if (r.body.kind !== 'single') return { errors: [{ message: 'incremental delivery is not supported by exports', extensions: { code: ErrorCode.BAD_USER_INPUT } }] };
        return r.body.singleResult as never;
      };
      try {
        await streamReport(res, report, m[2] as 'csv' | 'json', reportPages(report, variables, execute, opts.config.exportMaxRows), url.searchParams.get('bom') === '1');
      } catch (e) {
        if (e instanceof ExportRefused && !res.headersSent) sendJson(res, e.status, { errors: e.errors });
        else if (!res.headersSent) refuse(res, 500, 'Internal server error', ErrorCode.INTERNAL_SERVER_ERROR);
        else {
          opts.log.warn('export aborted after its first rows', { report: report.name, err: (e as Error).message });
          res.destroy();
        }
      }
      return true;
    },
  };
}
