/**
 * Counters, rate-limit state and the stop flag of one run, in a
 * SharedArrayBuffer that the main thread and every channel worker see.
 */

/** Slots of the BigInt64 counter array. */
export const C = {
  recordsRead: 0,
  bytesRead: 1,
  recordsWritten: 2,
  dirty: 3,
  splitsDone: 4,
  /** Next free time (ns since the run's origin) of the records/s bucket. */
  recordsNext: 5,
  /** Same for bytes/s. */
  bytesNext: 6,
  /** 1 once the run must stop (failure elsewhere, errorLimit, Ctrl-C). */
  stop: 7,
} as const;
const SLOTS = 8;

export interface SharedState {
  buffer: SharedArrayBuffer;
  /** performance.timeOrigin + now() of the main thread when the run began, in ms. */
  origin: number;
}

export function createSharedState(): SharedState {
  return { buffer: new SharedArrayBuffer(SLOTS * 8), origin: performance.timeOrigin + performance.now() };
}

/** A view over the shared counters. */
export class Counters {
  readonly a: BigInt64Array;
  constructor(readonly state: SharedState) {
    this.a = new BigInt64Array(state.buffer);
  }
  add(slot: number, n: number): void {
    Atomics.add(this.a, slot, BigInt(n));
  }
  get(slot: number): number {
    return Number(Atomics.load(this.a, slot));
  }
  stop(): void {
    Atomics.store(this.a, C.stop, 1n);
  }
  get stopped(): boolean {
    return Atomics.load(this.a, C.stop) !== 0n;
  }
  /** Nanoseconds since the run's origin, comparable across threads. */
  nowNs(): bigint {
    return BigInt(Math.round((performance.timeOrigin + performance.now() - this.state.origin) * 1e6));
  }
}
