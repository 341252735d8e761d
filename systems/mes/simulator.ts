/**
 * A shop floor that keeps moving, so `npm start` shows live progress: every few seconds a few running
 * job orders advance and now and then a machine changes state, through the same logic as the admin calls.
 */
import type { Rng } from '../plant/random.ts';
import { EQUIPMENT_STATES } from '../plant/types.ts';
import type { ShopFloor } from './shopfloor.ts';
import type { MesStore } from './store.ts';

export const SIMULATOR_INTERVAL_MS = 3_000;

export class Simulator {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: MesStore,
    private readonly floor: ShopFloor,
    private readonly rng: Rng,
    private readonly intervalMs = SIMULATOR_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // The simulator alone must not keep a process (or a test run) alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    const running = this.store.jobOrders.all().filter((j) => j.status === 'RUNNING');
    const n = Math.min(running.length, this.rng.int(1, 3));
    for (const job of this.rng.shuffle(running).slice(0, n)) {
      const good = Math.max(1, Math.round(job.quantity * this.rng.float(0.02, 0.08)));
      const scrap = this.rng.chance(0.2) ? Math.max(1, Math.round(job.quantity * 0.005)) : 0;
      try {
        this.floor.progress(job.id, good, scrap);
      } catch {
        // A job changed by an admin call between the scan and the report: skip it this round.
      }
    }
    const equipment = this.store.equipment.all();
    if (equipment.length > 0 && this.rng.chance(0.3)) {
      const eq = this.rng.pick(equipment);
      const next = this.rng.pick(EQUIPMENT_STATES.filter((s) => s !== eq.state));
      try {
        this.floor.setEquipmentState(eq.id, next);
      } catch {
        // Same race as above.
      }
    }
  }
}
