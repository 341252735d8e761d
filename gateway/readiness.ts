import nodeFetch from 'node-fetch';

/** A subgraph is ready when it answers a trivial GraphQL query; `/ready` asks each one, in parallel. */
export async function checkSubgraphs(urls: Record<string, string>, timeoutMs = 2000): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      try {
        const res = await nodeFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __typename }' }),
          signal: AbortSignal.timeout(timeoutMs) as never,
        });
        return [name, res.ok] as const;
      } catch {
        return [name, false] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
