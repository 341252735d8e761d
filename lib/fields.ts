/**
 * Reading fields of upstream JSON records, whose types the hub does not control: one rule for every
 * connector, so that a missing field and an empty one mean the same thing everywhere.
 */

/** A field as text: strings as they are, numbers and booleans printed, null or missing as ''. */
export function text(v: unknown): string {
  return typeof v === 'string' ? v : v == null ? '' : String(v);
}

/** A field naming something (an id): its text, or undefined when missing or empty. */
export function optionalText(v: unknown): string | undefined {
  const s = text(v);
  return s === '' ? undefined : s;
}
