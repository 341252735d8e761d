import { DAY, MINUTE, iso, minute } from './catalog.ts';
import type { Rng } from './random.ts';
import type { EquipmentState, MesEquipment, MesEquipmentStateChange } from './types.ts';

/** How far back the generated state log reaches before the anchor. */
export const STATE_HISTORY_DAYS = 7;

export const stateChangeId = (n: number): string => `SC-${String(n).padStart(7, '0')}`;

/**
 * The state log of every machine over the last week, ending in the state it is in at the anchor (the
 * last change is its `stateSince`). Mostly running, with idle spells, set-ups and the odd breakdown.
 */
export function equipmentHistory(rng: Rng, equipment: readonly MesEquipment[], anchor: number): MesEquipmentStateChange[] {
  const weights = [['RUNNING', 55], ['IDLE', 20], ['SETUP', 12], ['DOWN', 7], ['MAINTENANCE', 6]] as const;
  const out: Omit<MesEquipmentStateChange, 'id'>[] = [];
  const horizon = anchor - STATE_HISTORY_DAYS * DAY;
  for (const eq of equipment) {
    const changes: Omit<MesEquipmentStateChange, 'id'>[] = [];
    let state: EquipmentState = eq.state;
    let at = Date.parse(eq.stateSince);
    for (;;) {
      const previous: EquipmentState = rng.weighted(weights.filter(([s]) => s !== state));
      changes.push({ equipmentId: eq.id, site: eq.site, previousState: at <= horizon ? null : previous, state, at: iso(at) });
      if (at <= horizon) break;
      state = previous;
      // Clamped after rounding: the walk must land on the horizon exactly to end there.
      at = Math.max(horizon, minute(at - rng.int(state === 'RUNNING' ? 60 : 15, state === 'RUNNING' ? 720 : 240) * MINUTE));
    }
    out.push(...changes.reverse());
  }
  out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.equipmentId < b.equipmentId ? -1 : 1));
  return out.map((c, i) => ({ id: stateChangeId(i + 1), ...c }));
}
