/**
 * Shape checks for records written through `PUT /admin/records/...`: a record the shop-floor logic
 * later reads must not be able to crash it, so anything malformed is a 400 here.
 */
import { HttpError } from '../common/http.ts';
import { EQUIPMENT_STATES, JOB_STATUSES } from '../plant/types.ts';

type Check = (v: unknown, path: string) => unknown;

const fail = (path: string, what: string): never => {
  throw new HttpError(400, `${path} must be ${what}`);
};
const str: Check = (v, p) => (typeof v === 'string' ? v : fail(p, 'a string'));
const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'a number'));
const nonNegative: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(p, 'a non-negative number'));
const optional = (c: Check, fallback: unknown): Check => (v, p) => (v === undefined ? fallback : c(v, p));
const nullable = (c: Check): Check => (v, p) => (v === null || v === undefined ? null : c(v, p));
const oneOf = (values: readonly string[]): Check => (v, p) => (typeof v === 'string' && values.includes(v) ? v : fail(p, `one of ${values.join(', ')}`));
const arrayOf = (c: Check): Check => (v, p) => (Array.isArray(v) ? v.map((x, i) => c(x, `${p}[${i}]`)) : fail(p, 'an array'));
const object = (spec: Record<string, Check>): Check => (v, p) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object');
  const src = v as Record<string, unknown>;
  for (const k of Object.keys(src)) if (!Object.hasOwn(spec, k)) fail(`${p}.${k}`, 'absent (unknown field)');
  const out: Record<string, unknown> = {};
  for (const [k, c] of Object.entries(spec)) out[k] = c(src[k], `${p}.${k}`);
  return out;
};

const parameter = object({ name: str, value: num, unit: str, lowerLimit: num, upperLimit: num });
const segment = object({
  sequence: num,
  description: optional(str, ''),
  equipmentId: str,
  status: oneOf(['PENDING', 'RUNNING', 'COMPLETED']),
  goodQuantity: optional(nonNegative, 0),
  scrapQuantity: optional(nonNegative, 0),
  startedAt: nullable(str),
  finishedAt: nullable(str),
  parameters: optional(arrayOf(parameter), []),
});

/** Per collection: the key field and the record's shape. */
export const RECORD_SHAPES: Record<string, { key: string; check: Check }> = {
  'job-orders': {
    key: 'id',
    check: object({
      id: str, erpOrder: str, site: str, materialCode: str, quantity: nonNegative, unit: str,
      status: oneOf(JOB_STATUSES), plannedStart: str, plannedEnd: str, segments: arrayOf(segment),
      externalReference: optional(str, undefined),
    }),
  },
  equipment: {
    key: 'id',
    check: object({ id: str, name: str, site: str, workCenter: str, state: oneOf(EQUIPMENT_STATES), stateSince: optional(str, new Date(0).toISOString()) }),
  },
  'material-lots': {
    key: 'id',
    check: object({
      id: str, materialCode: str, site: str, quantity: nonNegative, unit: str, status: oneOf(['AVAILABLE', 'CONSUMED', 'BLOCKED']),
      producedByJobOrder: nullable(str), consumedLots: optional(arrayOf(str), []), createdAt: str,
    }),
  },
  'quality-results': {
    key: 'id',
    check: object({
      id: str, jobOrderId: str, sequence: num, characteristic: str, value: num, unit: str, lowerLimit: num, upperLimit: num,
      result: oneOf(['PASS', 'FAIL']), recordedAt: str,
    }),
  },
  'lot-consumptions': {
    key: 'id',
    check: object({ id: str, producedLot: str, consumedLot: str, jobOrderId: str, materialCode: str, quantity: nonNegative, unit: str, consumedAt: str }),
  },
  'material-mapping': {
    key: 'mesCode',
    check: object({ erpMaterial: str, mesCode: str, erpUnit: str, mesUnit: str, factor: nullable(num) }),
  },
};

/** The record with its key taken from the URL; 400 if the body names another key. */
export function checkRecord(collection: string, id: string, body: Record<string, unknown>): Record<string, unknown> {
  const shape = RECORD_SHAPES[collection];
  if (!shape) throw new HttpError(404, `no collection '${collection}' (${Object.keys(RECORD_SHAPES).join(', ')})`);
  if (body[shape.key] !== undefined && body[shape.key] !== id) throw new HttpError(400, `${shape.key} in the body differs from the id in the path`);
  return shape.check({ ...body, [shape.key]: id }, collection) as Record<string, unknown>;
}
