/**
 * Job-wide rate limits shared by all channels. Each limit is a virtual
 * schedule (GCRA) in one shared slot: a consumer of `n` units reserves the
 * next `n / rate` seconds of the schedule with a compare-and-swap and sleeps
 * until its slot begins. Over a run the total rate is exact within one batch,
 * whatever the number of channels. A short burst allowance (`burstMs`) lets
 * a channel that was idle catch up a little, as token buckets do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Counters } from './shared-state.js';

export class SharedRateLimiter {
  private readonly nsPerUnit: number;
  constructor(
    private readonly counters: Counters,
    private readonly slot: number,
    /** Units per second; 0 means no limit. */
    readonly rate: number,
    private readonly burstMs = 50,
  ) {
    this.nsPerUnit = rate > 0 ? 1e9 / rate : 0;
  }

  get enabled(): boolean {
    return this.rate > 0;
  }

  /** Reserves `n` units and resolves when they may be used. */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (!this.enabled || n <= 0) return;
    const cost = BigInt(Math.round(n * this.nsPerUnit));
    const a = this.counters.a;
    const burst = BigInt(this.burstMs * 1e6);
    for (;;) {
      const now = this.counters.nowNs();
      const next = Atomics.load(a, this.slot);
      const start = next < now - burst ? now - burst : next;
      if (Atomics.compareExchange(a, this.slot, next, start + cost) !== next) continue;
      // Sleep until the reservation's end, so the units are "spent" by then.
      const waitMs = Number(start + cost - now) / 1e6;
      if (waitMs > 1) await sleep(waitMs, undefined, signal ? { signal } : undefined);
      return;
    }
  }
}
