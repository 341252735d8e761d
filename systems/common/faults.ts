import { setTimeout as sleep } from 'node:timers/promises';
import { Rng } from '../plant/random.ts';
import { HttpError } from './http.ts';

export interface FaultSettings {
  /** Added before every API answer. */
  latencyMs: number;
  /** Share of API calls answered 500, 0..1. */
  errorRate: number;
  /** Every API call answers 503, and live event streams are dropped. */
  down: boolean;
}

const NONE: FaultSettings = { latencyMs: 0, errorRate: 0, down: false };
const MAX_LATENCY_MS = 120_000;

/** Injected trouble for tests and demos: the hub must survive a slow, flaky or absent system. */
export class FaultInjector {
  private current: FaultSettings = { ...NONE };
  private readonly downListeners = new Set<() => void>();
  // Seeded, so a flaky-system test fails the same calls on every run.
  private readonly rng = new Rng(0xfa417);

  get settings(): FaultSettings {
    return { ...this.current };
  }

  /** Replaces the settings; fields left out return to their defaults. 400 on anything malformed. */
  set(body: Record<string, unknown>): FaultSettings {
    const next = { ...NONE };
    for (const [key, value] of Object.entries(body)) {
      if (key === 'latencyMs') {
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_LATENCY_MS) throw new HttpError(400, `latencyMs must be a number in 0..${MAX_LATENCY_MS}`);
        next.latencyMs = value;
      } else if (key === 'errorRate') {
        if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new HttpError(400, 'errorRate must be a number in 0..1');
        next.errorRate = value;
      } else if (key === 'down') {
        if (typeof value !== 'boolean') throw new HttpError(400, 'down must be a boolean');
        next.down = value;
      } else {
        throw new HttpError(400, `unknown fault setting '${key}' (latencyMs, errorRate, down)`);
      }
    }
    this.current = next;
    if (next.down) for (const l of this.downListeners) l();
    return this.settings;
  }

  clear(): FaultSettings {
    this.current = { ...NONE };
    return this.settings;
  }

  onDown(listener: () => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /** Waits the injected latency, then says whether this call must fail and how. */
  async before(): Promise<'down' | 'error' | undefined> {
    const { latencyMs, errorRate, down } = this.current;
    if (latencyMs > 0) await sleep(latencyMs, undefined, { ref: false });
    if (down || this.current.down) return 'down';
    if (errorRate > 0 && this.rng.next() < errorRate) return 'error';
    return undefined;
  }
}
