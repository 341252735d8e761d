import { randomUUID } from 'node:crypto';
import { UpstreamError, UpstreamRejectedError } from '../../../lib/errors.ts';
import type { Logger } from '../../../lib/log.ts';
import { sleep } from '../sleep.ts';
import type { ErpWriter } from './erp-writer.ts';
import type { WriteInvalidation } from './invalidation.ts';
import type { MesWriter } from './mes-writer.ts';
import type { ConfirmationEntry } from './model.ts';
import type { Outbox } from './outbox.ts';
import type { LoopSignals } from './signals.ts';

export interface RelayOptions {
  /** Longest pause between attempts while a system is down. */
  maxBackoffMs: number;
  /** A `mes`-stage entry younger than this is still being written by its request; the relay waits. */
  graceMs: number;
  /**
   * Leadership lease: one relay per outbox across instances. Renewed before every step, so it must
   * outlast the longest step (two upstream calls), or a second relay could post the same entry.
   */
  leaseMs: number;
  /** Pause when there is nothing to do (a kick ends it early). */
  idleMs: number;
}

const now = () => new Date().toISOString();

/**
 * Works the confirmation outbox head first, so the ERP sees confirmations in the order they were made.
 * Each step re-reads the head from the store, so a restarted process continues where the last one
 * stopped: an entry in stage `mes` gets its (keyed) MES report again, an entry whose ERP post was tried
 * is first looked up in the ERP by its ExternalReference, and only posted when the ERP does not have it.
 */
export class ConfirmationRelay {
  private readonly owner = randomUUID();
  private wake = new AbortController();
  private stopped = false;
  private running: Promise<void> | undefined;
  private backoff = 0;
  /**
   * False while the last attempt failed (here or, told by a signal, in the instance that holds the
   * lease): callers then answer PENDING at once instead of waiting.
   */
  healthy = true;
  private readonly unlisten: (() => void)[];

  constructor(
    private readonly outbox: Outbox<ConfirmationEntry>,
    private readonly mes: MesWriter,
    private readonly erp: ErpWriter,
    private readonly afterWrite: WriteInvalidation,
    private readonly log: Logger,
    private readonly opts: RelayOptions,
    private readonly signals: LoopSignals,
  ) {
    this.unlisten = [
      signals.onKick(() => {
        if (this.backoff === 0) this.wake.abort();
      }),
      signals.onHealth((healthy) => (this.healthy = healthy)),
      // A settled entry anywhere means the relay delivers again, even when the instance that said it
      // was failing has died since (a new lease holder announces no change of its own).
      signals.onSettled(() => (this.healthy = true)),
    ];
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.running;
    for (const off of this.unlisten) off();
    await this.outbox.releaseLease(this.owner).catch(() => undefined);
  }

  /**
   * New work is queued: ends the idle pause of the relay, in whichever instance holds the lease (not a
   * backoff: a down ERP is not asked more often).
   */
  kick(): void {
    this.signals.kick();
  }

  /**
   * Resolves when the entry settles, in this instance or another, or after `ms`. `settledNow` is asked
   * once the listener is in place, so an entry settled just before the call is not waited for.
   */
  waitFor(id: string, ms: number, settledNow: () => Promise<boolean>): Promise<void> {
    return new Promise((resolve) => {
      const done = () => (clearTimeout(timer), off(), resolve());
      const timer = setTimeout(done, ms);
      const off = this.signals.onSettled((settled) => {
        if (settled === id) done();
      });
      settledNow().then((yes) => yes && done(), () => undefined);
    });
  }

  private setHealthy(healthy: boolean): void {
    if (this.healthy !== healthy) this.signals.health(healthy);
    this.healthy = healthy;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let pause = this.opts.idleMs;
      try {
        if (await this.outbox.lease(this.owner, this.opts.leaseMs)) {
          if (await this.step()) {
            this.backoff = 0;
            this.setHealthy(true);
            continue;
          }
        }
      } catch (e) {
        this.setHealthy(false);
        this.backoff = Math.min(this.opts.maxBackoffMs, Math.max(50, this.backoff * 2));
        pause = this.backoff;
        this.log.warn('confirmation relay: delivery failed, will retry', { err: (e as Error).message, retryInMs: pause });
      }
      if (this.stopped) break;
      this.wake = new AbortController();
      await sleep(pause, this.wake.signal);
    }
  }

  /** One step on the head entry; false when there was nothing to do yet. */
  private async step(): Promise<boolean> {
    const head = await this.outbox.head();
    if (!head) return false;
    if (head.stage === 'mes') {
      if (Date.now() - Date.parse(head.createdAt) < this.opts.graceMs) return false;
      try {
        await this.mes.report(head.workOrderId, head.operationSequence, { reportId: head.id, goodQuantity: head.mesGoodQuantity, scrapQuantity: head.mesScrapQuantity });
      } catch (e) {
        if (e instanceof UpstreamRejectedError) return this.settle({ ...head, stage: 'failed', error: `the MES refused the report (${e.status})` }, 'mes');
        throw e;
      }
      await this.outbox.advance({ ...head, stage: 'erp' }, 'mes');
      await this.afterWrite.mesJobs(head.erpOrder, [head.workOrderId]);
      return true;
    }
    if (head.stage !== 'erp') return this.settle(head, head.stage);
    if (head.attempts > 0) {
      // An earlier post may have been booked with its answer lost (timeout, crash): ask before posting again.
      const found = await this.erp.findConfirmation(head.externalReference);
      if (found) return this.settle({ ...head, stage: 'posted', erpConfirmationId: found.confirmationId, postedAt: now() }, 'erp');
    }
    const tried = { ...head, attempts: head.attempts + 1 };
    // Recorded before the post, so that after a crash the relay knows to look the post up first.
    if (!(await this.outbox.advance(tried, 'erp'))) return true;
    try {
      const { confirmationId } = await this.erp.postConfirmation({
        orderId: head.erpOrder,
        operationSequence: head.operationSequence,
        yieldQuantity: head.goodQuantity,
        scrapQuantity: head.scrapQuantity,
        unit: head.unit,
        externalReference: head.externalReference,
      });
      return this.settle({ ...tried, stage: 'posted', erpConfirmationId: confirmationId, postedAt: now(), error: null }, 'erp');
    } catch (e) {
      if (e instanceof UpstreamRejectedError) return this.settle({ ...tried, stage: 'failed', error: `the ERP refused the confirmation (${e.status})` }, 'erp');
      if (e instanceof UpstreamError) await this.outbox.advance({ ...tried, error: e.message }, 'erp').catch(() => undefined);
      throw e;
    }
  }

  private async settle(entry: ConfirmationEntry, from: string): Promise<boolean> {
    await this.outbox.settle(entry, from);
    if (entry.stage === 'posted') await this.afterWrite.erpOrder(entry.erpOrder);
    if (entry.stage === 'failed') this.log.warn('confirmation failed', { id: entry.id, err: entry.error });
    this.signals.settled(entry.id);
    return true;
  }
}
