/**
 * The test's own view of the two demo systems, read from their raw APIs (never through the hub), and
 * an independent reconciliation of them: written from systems/README.md's rules, not from the hub's
 * code, so that agreement between the two means something.
 */
import { canonicalUnit } from '../../lib/units.ts';
import { getJson } from './hub.ts';

// Raw API answers are arbitrary JSON; the comparison reads them field by field.
export type Json = any;

export const unpad = (s: string) => s.replace(/^0+(?=\d)/, '');

export interface RawPlant {
  orders: Json[];
  operations: Json[];
  confirmations: Json[];
  jobs: Json[];
  mapping: Json[];
}

/** Every entity of an ERP entity set, following nextLink; `orderBy` an OData `$orderby`. */
export async function odataAll(erpApi: string, set: string, orderBy?: string): Promise<Json[]> {
  const out: Json[] = [];
  let next: string | undefined = `/odata/${set}?$top=1000000${orderBy ? `&$orderby=${orderBy}` : ''}`;
  while (next) {
    const page: Json = await getJson(new URL(next, erpApi).toString());
    out.push(...page.value);
    next = page['@odata.nextLink'];
  }
  return out;
}

export async function mesJobs(mesApi: string): Promise<Json[]> {
  const out: Json[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await getJson(`${mesApi}/api/v1/job-orders?limit=1000&offset=${offset}`);
    out.push(...page.items);
    if (page.items.length < 1000) return out;
  }
}

export async function readPlant(erpApi: string, mesApi: string): Promise<RawPlant> {
  const [orders, operations, confirmations, jobs, mapping] = await Promise.all([
    odataAll(erpApi, 'ProductionOrders'),
    odataAll(erpApi, 'ProductionOrderOperations'),
    odataAll(erpApi, 'ProductionOrderConfirmations'),
    mesJobs(mesApi),
    getJson(`${mesApi}/api/v1/material-mapping`).then((r) => r.items as Json[]),
  ]);
  return { orders, operations, confirmations, jobs, mapping };
}

/**
 * `KIND:orderId` (orphans: `ORPHAN_WORK_ORDER:<job id>`) of every disagreement, by README's rules; a
 * drift counts beyond `max(tolerance, ratio × planned)`.
 */
export function independentReconciliation(p: RawPlant, tolerance = 0.001, ratio = 0): string[] {
  const rows = new Map(p.mapping.map((r) => [r.mesCode, r]));
  const mappedMaterials = new Set(p.mapping.map((r) => unpad(r.erpMaterial)));
  const out: string[] = [];
  const byOrder = (list: Json[], field: string) => {
    const m = new Map<string, Json[]>();
    for (const x of list) m.set(unpad(x[field]), [...(m.get(unpad(x[field])) ?? []), x]);
    return m;
  };
  const jobsOf = byOrder(p.jobs, 'erpOrder');
  const confsOf = byOrder(p.confirmations, 'OrderNumber');
  const opsOf = byOrder(p.operations, 'OrderNumber');
  for (const o of p.orders) {
    const id = unpad(o.OrderNumber);
    const material = unpad(o.Material);
    const jobs = jobsOf.get(id) ?? [];
    let unmapped = false;
    let mismatch = false;
    let good = 0;
    let scrap = 0;
    for (const j of jobs) {
      const row = rows.get(j.materialCode);
      if (!row || unpad(row.erpMaterial) !== material) {
        unmapped = true;
        continue;
      }
      const f = row.factor ?? (canonicalUnit(row.mesUnit) === canonicalUnit(row.erpUnit) ? 1 : null);
      if (f === null || canonicalUnit(j.unit) !== canonicalUnit(row.mesUnit)) {
        mismatch = true;
        continue;
      }
      const last = [...j.segments].sort((a: Json, b: Json) => b.sequence - a.sequence)[0];
      good += (last?.goodQuantity ?? 0) * f;
      scrap += j.segments.reduce((s: number, x: Json) => s + x.scrapQuantity, 0) * f;
    }
    if (unmapped || (jobs.length === 0 && o.Status !== 'CREATED' && !mappedMaterials.has(material))) out.push(`UNMAPPED_MATERIAL:${id}`);
    if (mismatch) out.push(`UNIT_MISMATCH:${id}`);
    const lastOp = (opsOf.get(id) ?? []).map((x) => x.Operation).sort().pop();
    const seen = new Map<string, number>();
    let extraYield = 0;
    let extraScrap = 0;
    for (const c of confsOf.get(id) ?? []) {
      if (!c.ExternalReference) continue;
      const n = (seen.get(c.ExternalReference) ?? 0) + 1;
      seen.set(c.ExternalReference, n);
      if (n > 1) {
        if (c.Operation === lastOp) extraYield += c.Yield;
        extraScrap += c.Scrap;
      }
    }
    if ([...seen.values()].some((n) => n > 1)) out.push(`DUPLICATE_CONFIRMATION:${id}`);
    if (!unmapped && !mismatch) {
      const allowed = Math.max(tolerance, ratio * o.PlannedQuantity);
      if (Math.abs(o.ConfirmedYield - extraYield - good) > allowed + 1e-9) out.push(`QUANTITY_DRIFT:${id}`);
      if (Math.abs(o.ConfirmedScrap - extraScrap - scrap) > allowed + 1e-9) out.push(`SCRAP_DRIFT:${id}`);
    }
    const open = jobs.filter((j) => ['PLANNED', 'RUNNING', 'PAUSED'].includes(j.status));
    const live = jobs.filter((j) => j.status !== 'CANCELLED');
    if (['TECHNICALLY_COMPLETED', 'CLOSED'].includes(o.Status) && open.length) out.push(`STATUS_DRIFT:${id}`);
    else if (['RELEASED', 'PARTIALLY_CONFIRMED'].includes(o.Status) && live.length && live.every((j) => j.status === 'COMPLETED')) out.push(`STATUS_DRIFT:${id}`);
  }
  const known = new Set(p.orders.map((o) => unpad(o.OrderNumber)));
  for (const j of p.jobs) if (!known.has(j.erpOrder)) out.push(`ORPHAN_WORK_ORDER:${j.id}`);
  return out.sort();
}

/** The hub's reconciliation, every page, as `KIND:orderId` (orphans: `KIND:<job id>`). */
export async function hubReconciliation(gateway: string, gql: (url: string, q: string, v?: Record<string, unknown>) => Promise<Json>, args = ''): Promise<Json[]> {
  const nodes: Json[] = [];
  let after: string | null = null;
  do {
    const res: Json = await gql(
      gateway,
      `query($after: String) { reconciliation(first: 500, after: $after ${args}) { totalCount pageInfo { hasNextPage endCursor }
         edges { node { kind severity productionOrder { id } workOrders { id } erpValue mesValue difference message } } } }`,
      { after },
    );
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    const conn = res.body.data.reconciliation;
    nodes.push(...conn.edges.map((e: Json) => e.node));
    after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

export const keyOf = (d: Json): string => `${d.kind}:${d.productionOrder?.id ?? d.mesValue}`;

/**
 * README's due-status rule, written again from its text over raw records (ERP order row, MES job
 * orders): work done = mean over work orders (weighted by quantity) of the mean over operations of
 * min(good, quantity) / quantity; the end is projected from the observed rate since the first start.
 */
export function readmeDueStatus(o: Json, jobs: Json[], now: number): { status: string; expectedEnd: number | null } {
  const live = jobs.filter((j) => j.status !== 'CANCELLED' && j.quantity > 0 && j.segments.length > 0);
  const qty = live.reduce((s, j) => s + j.quantity, 0);
  const share = (j: Json) => j.segments.reduce((s: number, x: Json) => s + Math.min(x.goodQuantity, j.quantity) / j.quantity, 0) / j.segments.length;
  const done = qty > 0 ? Math.min(1, live.reduce((s, j) => s + share(j) * j.quantity, 0) / qty) : 0;
  const times = (k: string) => live.flatMap((j) => j.segments.map((x: Json) => x[k]).filter(Boolean).map((t: string) => Date.parse(t)));
  const finishes = times('finishedAt');
  if (['CONFIRMED', 'TECHNICALLY_COMPLETED', 'CLOSED'].includes(o.Status) || done >= 1) {
    return { status: 'ON_TIME', expectedEnd: finishes.length ? Math.max(...finishes) : null };
  }
  const ps = Date.parse(o.PlannedStart);
  const pe = Date.parse(o.PlannedEnd);
  const starts = times('startedAt');
  const first = starts.length ? Math.min(...starts) : Infinity;
  let end: number;
  if (first >= now) end = Math.max(now, ps) + (pe - ps);
  else if (done === 0) end = Math.max(now, first + (pe - ps));
  else end = first + (now - first) / done;
  end = Math.round(end / 1000) * 1000;
  return { status: end <= pe ? 'ON_TIME' : now > pe ? 'LATE' : 'AT_RISK', expectedEnd: end };
}
