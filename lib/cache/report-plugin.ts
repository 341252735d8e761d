import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { requestSecurity } from '../auth/request-security.ts';
import { CACHE_REPORT_HEADER, cacheReportExtension } from './responses.ts';
import type { StaleCollector } from './stale.ts';

/**
 * Tells the gateway what a subgraph answer read (`extensions.hubCache`), when the gateway asks for it
 * (`x-hub-cache-report: tags` or `flag`) and the answer may be stored at all: a query, without errors, served from
 * fresh entity entries only, that touched no restricted field (those are audited per caller, and the
 * audit must see every read: such answers are never stored).
 */
export function cacheReportPlugin<T extends BaseContext & { stale?: StaleCollector }>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      // `tags`: the gateway may store the answer; `flag`: it only needs to know whether it may share it.
      const ask = request.http?.headers.get(CACHE_REPORT_HEADER);
      if (ask !== 'tags' && ask !== 'flag') return;
      return {
        async willSendResponse({ contextValue, response, operation }) {
          if (response.body.kind !== 'single' || operation?.operation !== 'query') return;
          const result = response.body.singleResult;
          if (result.errors?.length || requestSecurity(contextValue).audit.size) return;
          const report = contextValue.stale?.report();
          if (report) result.extensions = { ...result.extensions, hubCache: cacheReportExtension(ask === 'tags' ? report : { ...report, tags: [] }) };
        },
      };
    },
  };
}
