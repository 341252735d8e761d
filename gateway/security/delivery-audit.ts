import type { ApolloGateway } from '@apollo/gateway';
import {
  parse,
  TypeInfo,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type ConstDirectiveNode,
  type GraphQLSchema,
} from 'graphql';
import { createAuditSink, type AuditSink } from '../../lib/audit.ts';
import type { Caller } from '../../lib/auth/caller.ts';
import { satisfies, type Requirement } from '../../lib/auth/directives.ts';
import type { HubConfig } from '../../lib/config.ts';
import type { Logger } from '../../lib/log.ts';

/**
 * Audit of subscription deliveries. A subscription event's federated read is made once per selection
 * and scope set and shared by every subscriber (gateway/subscriptions/shared-results.ts), so the
 * subgraphs' audit names only the subscriber whose read went out. Here the gateway writes one record
 * per subscriber and event whose selection holds a restricted field: who received it (or was refused
 * it), under the subscription's own request id.
 */
export interface DeliveryAudit {
  /** The restricted fields (`Type.field` -> requirements) a plan's federated query selects; computed once per subscription. */
  fieldsOf(schema: GraphQLSchema, query: string | undefined): Map<string, Requirement[]>;
  /** One record for one subscriber and one delivered event. */
  delivered(d: { caller: Caller; requestId: string; operationName: string | null; fields: Map<string, Requirement[]>; ids: string[] }): void;
  close(): Promise<void>;
}

/** `@requiresScopes` / `@authenticated` on fields of a supergraph, as `Type.field` -> requirements. */
export function restrictedFields(supergraphSdl: string): Map<string, Requirement[]> {
  const out = new Map<string, Requirement[]>();
  const reqsOf = (directives: readonly ConstDirectiveNode[] | undefined): Requirement[] =>
    (directives ?? []).flatMap((d): Requirement[] => {
      if (d.name.value === 'authenticated') return [{ authenticated: true, anyOf: [] }];
      if (d.name.value !== 'requiresScopes') return [];
      const arg = d.arguments?.find((a) => a.name.value === 'scopes');
      const value = arg ? valueFromASTUntyped(arg.value) : [];
      const anyOf = Array.isArray(value) ? value.map((inner) => (Array.isArray(inner) ? inner.map(String) : [String(inner)])) : [];
      return [{ authenticated: true, anyOf }];
    });
  for (const def of parse(supergraphSdl).definitions) {
    if (!('fields' in def) || !def.fields || !('name' in def) || !def.name) continue;
    const typeReqs = reqsOf('directives' in def ? def.directives : undefined);
    for (const f of def.fields) {
      const reqs = [...reqsOf(f.directives), ...typeReqs];
      if (reqs.length) out.set(`${def.name.value}.${f.name.value}`, reqs);
    }
  }
  return out;
}

/** Follows the gateway's supergraph (as loaded, or reloaded) and audits deliveries against it. */
export function createDeliveryAudit(gateway: ApolloGateway, config: HubConfig, log: Logger): DeliveryAudit {
  let restricted = new Map<string, Requirement[]>();
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => (restricted = restrictedFields(coreSupergraphSdl)));
  let sink: AuditSink | undefined;
  const sinkOf = () => (sink ??= createAuditSink(config.security, { url: config.redisUrl, prefix: config.cachePrefix }, log));
  return {
    fieldsOf(schema, query) {
      const found = new Map<string, Requirement[]>();
      if (!query || restricted.size === 0) return found;
      const info = new TypeInfo(schema);
      visit(
        parse(query),
        visitWithTypeInfo(info, {
          Field(node) {
            const parent = info.getParentType();
            const coordinate = parent ? `${parent.name}.${node.name.value}` : undefined;
            const reqs = coordinate ? restricted.get(coordinate) : undefined;
            if (coordinate && reqs) found.set(coordinate, reqs);
          },
        }),
      );
      return found;
    },
    delivered({ caller, requestId, operationName, fields, ids }) {
      if (fields.size === 0 || (config.security.auditLog === 'off' && !config.redisUrl)) return;
      const denied = [...fields].filter(([, reqs]) => !satisfies(caller, reqs)).map(([f]) => f);
      sinkOf().write({
        time: new Date().toISOString(),
        type: 'audit',
        service: 'gateway',
        requestId,
        clientRequestId: null,
        who: caller.sub,
        roles: caller.roles,
        operation: operationName,
        queryHash: null,
        mutation: false,
        fields: [...fields.keys()],
        denied,
        ids,
        outcome: denied.length === 0 ? 'ok' : denied.length === fields.size ? 'denied' : 'partial',
      });
    },
    close: async () => sink?.close(),
  };
}
