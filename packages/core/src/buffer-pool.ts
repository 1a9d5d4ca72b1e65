/**
 * Column memory that goes round in a channel thread instead of being
 * allocated fresh for every batch: the builders take their buffers here,
 * and a writer that has encoded a batch and holds its only reference hands
 * the buffers back (`recycleColumns`) for the reader's next batches.
 *
 * Fresh memory is expensive here: every page of a new buffer is faulted in
 * and zeroed by the kernel before the first byte is copied into it. In the
 * 500 MB httpfile -> table run a third of the process's page faults came
 * from the text framer copying lines into new batch buffers.
 *
 * Only buffers made by `takeBuffer` are taken back (a WeakSet marks them),
 * so a column whose memory a third-party reader still owns is never reused;
 * a buffer handed back twice is kept once. Per thread (module state), at
 * most `MAX_POOLED_BYTES` wait in the pool; the rest is left to the GC.
 */
import type { Data } from 'apache-arrow';

/** Bytes of free buffers kept per thread, at most: a channel's file of batches (4 MiB by default) and then some. */
const MAX_POOLED_BYTES = 8 * 1024 * 1024;
/** Smaller buffers are not pooled: Node slices them from its shared 8 KiB pool. */
const MIN_POOLED_BYTES = 16 * 1024;

/** Buffers made here: the only ones that may come back. */
const made = new WeakSet<ArrayBuffer>();
/** Buffers free for reuse now. */
const free: ArrayBuffer[] = [];
const isFree = new WeakSet<ArrayBuffer>();
let freeBytes = 0;

/**
 * An ArrayBuffer of at least `bytes` bytes (at most four times that when
 * reused), NOT zeroed: the caller writes every byte it later reads.
 */
export function takeBuffer(bytes: number): ArrayBuffer {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const n = free[i]!.byteLength;
    if (n >= bytes && n <= bytes * 4 && (best < 0 || n < free[best]!.byteLength)) best = i;
  }
  if (best >= 0) {
    const ab = free[best]!;
    free[best] = free[free.length - 1]!;
    free.pop();
    isFree.delete(ab);
    freeBytes -= ab.byteLength;
    return ab;
  }
  const size = Math.max(bytes, MIN_POOLED_BYTES);
  // allocUnsafeSlow: memory of its own (never Node's shared pool), not zeroed.
  const ab = Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
  made.add(ab);
  return ab;
}

/** Gives one buffer back (no effect on buffers not made by `takeBuffer`). */
export function giveBuffer(ab: ArrayBufferLike | undefined): void {
  if (!ab || !made.has(ab as ArrayBuffer) || isFree.has(ab as ArrayBuffer)) return;
  if (freeBytes + ab.byteLength > MAX_POOLED_BYTES) return;
  free.push(ab as ArrayBuffer);
  isFree.add(ab as ArrayBuffer);
  freeBytes += ab.byteLength;
}

/**
 * Hands the buffers of finished columns back for reuse in this thread. The
 * caller must hold the last reference to these columns (and to any other
 * view of their memory): the next batch built in this thread overwrites it.
 */
export function recycleColumns(columns: readonly Data[]): void {
  for (const d of columns) {
    giveBuffer(d.values?.buffer);
    giveBuffer(d.valueOffsets?.buffer);
    giveBuffer(d.nullBitmap?.buffer);
    if (d.children.length > 0) recycleColumns(d.children);
  }
}

/** Bytes waiting in this thread's pool (for tests). */
export function pooledBytes(): number {
  return freeBytes;
}
