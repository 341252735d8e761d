import { describe, expect, it } from 'vitest';
import { compareEventIds, isEventId } from '../../lib/events/ids.ts';

/** Event ids are Redis stream ids `<ms>-<seq>`, compared as two numbers, never as strings or floats. */
describe('event ids', () => {
  it('accepts only the <ms>-<seq> shape', () => {
    for (const ok of ['0-0', '1718000000000-0', '1718000000000-12', '9999999999999999-9999999999999999']) expect(isEventId(ok), ok).toBe(true);
    for (const bad of ['', '1718000000000', '-1', '1-', '1--2', '1-2-3', 'a-1', '1-b', ' 1-2', '1-2 ', '17180000000000000-0', '$', '+', '>']) {
      expect(isEventId(bad), bad).toBe(false);
    }
  });

  it('orders by milliseconds, then by sequence, numerically', () => {
    const sorted = ['9-0', '10-0', '10-2', '10-10', '100-0', '1718000000000-0', '1718000000000-1', '1718000000001-0'];
    const shuffled = [...sorted].reverse();
    expect(shuffled.sort(compareEventIds)).toEqual(sorted);
    expect(compareEventIds('10-10', '10-9')).toBeGreaterThan(0);
    expect(compareEventIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareEventIds('5-5', '5-5')).toBe(0);
  });

  it('compares ids past 2^53 exactly and ignores leading zeros', () => {
    expect(compareEventIds('9007199254740993-0', '9007199254740992-0')).toBeGreaterThan(0);
    expect(compareEventIds('1-9007199254740993', '1-9007199254740992')).toBeGreaterThan(0);
    expect(compareEventIds('007-1', '7-1')).toBe(0);
    expect(compareEventIds('0-0', '00-0')).toBe(0);
  });

  it('throws on something that is not an id', () => {
    expect(() => compareEventIds('1-0', 'nope')).toThrow(/not an event id: nope/);
    expect(() => compareEventIds('nope', '1-0')).toThrow(/not an event id: nope/);
  });
});
