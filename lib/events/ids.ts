import { stripLeadingZeros } from '../ids.ts';

/**
 * Hub event ids are Redis stream ids, `<milliseconds>-<sequence>`; the in-memory bus makes the same
 * shape so that a client's `after` means the same thing whichever bus runs.
 */
const ID = /^(\d{1,16})-(\d{1,16})$/;

export function isEventId(s: string): boolean {
  return ID.test(s);
}

/** Negative, zero or positive as `a` comes before, equals or comes after `b` in the stream. */
export function compareEventIds(a: string, b: string): number {
  const ma = ID.exec(a);
  const mb = ID.exec(b);
  if (!ma || !mb) throw new Error(`not an event id: ${ma ? b : a}`);
  // Compared as numbers of unequal length would need BigInt; comparing digit strings by length first is the same.
  return cmp(ma[1]!, mb[1]!) || cmp(ma[2]!, mb[2]!);
}

function cmp(x: string, y: string): number {
  const a = stripLeadingZeros(x);
  const b = stripLeadingZeros(y);
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
