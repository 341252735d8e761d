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
  /** Share of writes (API calls other than GET) that are carried out and then get no answer: the connection is cut. */
  dropAfterCommit: number;
  /** Share of writes that are carried out and then answered 500, as if they had failed. */
  failAfterCommit: number;
}

/** What happens to a write's answer after the write is done. */
export type AfterCommit = 'drop' | 'fail' | undefined;

const NONE: FaultSettings = { latencyMs: 0, errorRate: 0, down: false, dropAfterCommit: 0, failAfterCommit: 0 };
const RATES = ['errorRate', 'dropAfterCommit', 'failAfterCommit'] as const;
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
      } else if ((RATES as readonly string[]).includes(key)) {
        if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new HttpError(400, `${key} must be a number in 0..1`);
        next[key as (typeof RATES)[number]] = value;
      } else if (key === 'down') {
        if (typeof value !== 'boolean') throw new HttpError(400, 'down must be a boolean');
        next.down = value;
      } else {
        throw new HttpError(400, `unknown fault setting '${key}' (latencyMs, errorRate, down, dropAfterCommit, failAfterCommit)`);
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

  /** For a write about to run: whether its answer is to be lost or turned into a 500 once it is done. */
  afterCommit(): AfterCommit {
    const { dropAfterCommit, failAfterCommit } = this.current;
    if (dropAfterCommit > 0 && this.rng.next() < dropAfterCommit) return 'drop';
    if (failAfterCommit > 0 && this.rng.next() < failAfterCommit) return 'fail';
    return undefined;
  }
}
