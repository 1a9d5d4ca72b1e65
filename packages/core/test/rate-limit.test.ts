import { describe, expect, it } from 'vitest';
import { Counters, createSharedState, SharedRateLimiter, C } from '@ferry/core/internal';

describe('shared rate limiter', () => {
  it('reserves exactly n / rate seconds of the shared schedule per take, across limiter instances', async () => {
    const state = createSharedState();
    const counters = new Counters(state);
    // Two "channels" share one schedule through the same SharedArrayBuffer.
    const a = new SharedRateLimiter(new Counters(state), C.recordsNext, 1_000_000, 0);
    const b = new SharedRateLimiter(new Counters(state), C.recordsNext, 1_000_000, 0);
    const before = counters.nowNs();
    await Promise.all([a.take(2000), b.take(3000), a.take(5000)]);
    const reservedUntil = Number(Atomics.load(counters.a, C.recordsNext));
    // 10,000 units at 1,000,000/s = 10 ms of schedule from (at least) the start.
    expect(reservedUntil - Number(before)).toBeGreaterThanOrEqual(10_000_000);
    const after = counters.nowNs();
    expect(Number(after)).toBeGreaterThanOrEqual(reservedUntil - 2_000_000);
  });

  it('does nothing when the rate is 0', async () => {
    const counters = new Counters(createSharedState());
    const l = new SharedRateLimiter(counters, C.bytesNext, 0);
    await l.take(1e12);
    expect(Atomics.load(counters.a, C.bytesNext)).toBe(0n);
  });
});
