import nodeFetch from 'node-fetch';

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
        const res = await nodeFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sign(PROBE, name) },
          body: PROBE,
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
