import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerOptions, ApolloServerPlugin } from '@apollo/server';
import { ANONYMOUS, encodeEnvelope, type Caller } from '../../lib/auth/caller.ts';
import { createSigner, type Signer } from '../../lib/auth/signing.ts';
import { assertSecurityReady, type HubConfig } from '../../lib/config.ts';
import type { Logger } from '../../lib/log.ts';
import type { GatewayContext } from '../context.ts';
import { createGate, type Admitted } from './gate.ts';
import { createGatewayGuard, type GatewayGuard } from './guard.ts';
import { loadManifest, persistedQueryCache } from './persisted.ts';
import { limitsPlugin, safelistPlugin } from './plugins.ts';

/**
 * Everything the gateway adds for security, built once at start from the config: the guard (tokens,
 * rate limits), the signer for subgraph requests, Apollo plugins (limits, safelist) and options
 * (introspection, persisted queries). gateway/server.ts only wires these in.
 */
export interface GatewaySecurity {
  guard: GatewayGuard;
  /** Undefined when SUBGRAPH_SIGNING=off. */
  signer: Signer | undefined;
  plugins: ApolloServerPlugin<GatewayContext>[];
  apolloOptions: Pick<
    ApolloServerOptions<GatewayContext>,
    'introspection' | 'persistedQueries' | 'hideSchemaDetailsFromClientErrors' | 'validationOptions' | 'parseOptions'
  >;
  /** GraphiQL is served only when introspection is allowed (it is useless without). */
  explorer: boolean;
  maxBodyBytes: number;
  /**
   * The gate every HTTP transport passes first (gate.ts): token, rate limit, bounded body. Undefined
   * when the refusal (401/413/429) was already sent.
   */
  gate(req: IncomingMessage, res: ServerResponse): Promise<Admitted | undefined>;
  /** The caller `gate` established for this request. */
  callerOf(req: IncomingMessage): Caller;
  /** Signature headers for the readiness probe (an anonymous caller). */
  signProbe(body: string): Record<string, string>;
  close(): Promise<void>;
}

export function createGatewaySecurity(config: HubConfig, log: Logger): GatewaySecurity {
  const s = config.security;
  assertSecurityReady(s, 'gateway');
  if (!s.subgraphSigning) log.warn('SUBGRAPH_SIGNING=off: requests to the subgraphs are not signed');
  if (s.allowAnonymous && config.production) log.warn('ALLOW_ANONYMOUS=true in production mode: requests without a token are served');
  const guard = createGatewayGuard(config, log);
  const signer = s.subgraphSigning && s.subgraphSigningSecret ? createSigner(s.subgraphSigningSecret) : undefined;
  const manifest = s.persistedQueriesManifest ? loadManifest(s.persistedQueriesManifest) : undefined;
  const callers = new WeakMap<IncomingMessage, Caller>();
  const gate = createGate(guard, s.limits.maxBodyBytes);
  const probeCaller = encodeEnvelope({ caller: ANONYMOUS });
  return {
    guard,
    signer,
    plugins: [limitsPlugin(s.limits, !s.allowIntrospection), ...(manifest && s.persistedQueriesOnly ? [safelistPlugin(manifest)] : [])],
    apolloOptions: {
      introspection: s.allowIntrospection,
      persistedQueries: { cache: persistedQueryCache(manifest, s.persistedQueriesOnly) },
      // With introspection off, "Did you mean ...?" would hand out the names introspection hides.
      hideSchemaDetailsFromClientErrors: !s.allowIntrospection,
      validationOptions: { maxErrors: s.limits.maxErrors },
      parseOptions: { maxTokens: s.limits.maxTokens },
    },
    explorer: s.allowIntrospection,
    maxBodyBytes: s.limits.maxBodyBytes,
    async gate(req, res) {
      const admitted = await gate(req, res);
      if (admitted) callers.set(req, admitted.caller);
      return admitted;
    },
    callerOf: (req) => callers.get(req) ?? ANONYMOUS,
    signProbe: (body) => signer?.sign(body, probeCaller) ?? {},
    close: () => guard.close(),
  };
}
