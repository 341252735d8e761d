import type { MesEquipment, MesEquipmentStateChange } from './types.ts';

export const stateChangeId = (n: number): string => `SC-${String(n).padStart(7, '0')}`;

/** The state log as the MES starts it: each machine's current state since its `stateSince`. */
export function initialStates(equipment: readonly MesEquipment[]): MesEquipmentStateChange[] {
  const sorted = [...equipment].sort((a, b) => (a.stateSince < b.stateSince ? -1 : a.stateSince > b.stateSince ? 1 : a.id < b.id ? -1 : 1));
  return sorted.map((eq, i) => ({ id: stateChangeId(i + 1), equipmentId: eq.id, site: eq.site, previousState: null, state: eq.state, at: eq.stateSince }));
}
