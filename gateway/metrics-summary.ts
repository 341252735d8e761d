/** The subgraph families the gateway's `/metrics` repeats, so one scrape shows the whole hub. */
const SUMMARISED = ['hub_cache_hits_total', 'hub_cache_misses_total', 'hub_cache_stale_served_total', 'hub_upstream_requests_total'];

async function scrape(url: string, token: string | undefined): Promise<string> {
  try {
    // The subgraphs' /metrics asks for the same METRICS_TOKEN as the gateway's.
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}

/**
 * Adds the subgraphs' cache and upstream samples (labelled with their `service`) to the gateway's own
 * exposition, under the gateway's HELP/TYPE lines for the same families (a family may appear only once
 * in the text format). A subgraph that does not answer is simply left out.
 */
export async function withSubgraphSummary(own: string, subgraphMetricsUrls: string[], token?: string): Promise<string> {
  const texts = await Promise.all(subgraphMetricsUrls.map((u) => scrape(u, token)));
  const samples = new Map<string, string[]>(SUMMARISED.map((f) => [f, []]));
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue;
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
      if (name) samples.get(name)?.push(line);
    }
  }
  const out: string[] = [];
  for (const line of own.split('\n')) {
    out.push(line);
    const family = /^# TYPE (\S+)/.exec(line)?.[1];
    if (family && samples.has(family)) out.push(...samples.get(family)!);
  }
  return out.join('\n');
}
