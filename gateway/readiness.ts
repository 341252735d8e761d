const PROBE = JSON.stringify({ query: '{ __typename }' });

/**
 * A subgraph is ready when it answers a trivial GraphQL query; `/ready` asks each one, in parallel.
 * `sign` adds the gateway's signature headers (subgraphs refuse unsigned requests).
 */
export async function checkSubgraphs(
  urls: Record<string, string>,
  timeoutMs = 2000,
  sign: (body: string, name: string) => Record<string, string> = () => ({}),
): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sign(PROBE, name) },
          body: PROBE,
          signal: AbortSignal.timeout(timeoutMs),
        });
        return [name, res.ok] as const;
      } catch {
        return [name, false] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * The circuit breakers each subgraph holds on its system (from the subgraph's `/ready`), keyed
 * `<subgraph>.<system>`: an operator sees at the gateway which system the hub has stopped calling.
 */
export async function subgraphCircuits(urls: Record<string, string>, timeoutMs = 2000): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      try {
        const res = await fetch(url.replace(/\/graphql$/, '/ready'), { signal: AbortSignal.timeout(timeoutMs) });
        const body = (await res.json()) as { circuits?: Record<string, string> };
        for (const [system, state] of Object.entries(body.circuits ?? {})) out[`${name}.${system}`] = state;
      } catch {
        /* an unreachable subgraph shows in `subgraphs` already */
      }
    }),
  );
  return out;
}
