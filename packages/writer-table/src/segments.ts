/**
 * Where segments live. Two LMDB databases: `segments` (stored as is) and
 * `segments_lz4` (LZ4-compressed by lmdb-js). A key ending in `.z` is in the
 * compressed one. Measured on this kind of machine: LZ4 shrinks text-heavy
 * segments ~4-7x at about the same write speed, but slows numeric-heavy ones
 * 2-3x for a ~1.7x gain; so each segment picks by its share of text bytes.
 */
import type { Database } from 'lmdb';
import type { Store } from './store.js';

/** Suffix of the keys of compressed segments. */
export const LZ4_SUFFIX = '.z';

/** `auto` (by text share), `always` or `never`; FERRY_SEGMENT_COMPRESSION overrides (benchmarks). */
export type CompressionMode = 'auto' | 'always' | 'never';

export function compressionMode(): CompressionMode {
  const v = process.env.FERRY_SEGMENT_COMPRESSION;
  return v === 'always' || v === 'never' ? v : 'auto';
}

/** Whether a segment whose variable-length (string/binary) bytes are `textBytes` of `totalBytes` should be compressed. */
export function shouldCompress(mode: CompressionMode, textBytes: number, totalBytes: number): boolean {
  if (mode !== 'auto') return mode === 'always';
  return totalBytes > 0 && textBytes / totalBytes >= 0.5;
}

/** The database a segment key lives in. */
export function segmentDb(store: Store, key: string): Database<Buffer, string> {
  return key.endsWith(LZ4_SUFFIX) ? store.segmentsLz4 : store.segments;
}

/** Deletes a segment (inside a write transaction). */
export function removeSegmentSync(store: Store, key: string): void {
  segmentDb(store, key).removeSync(key);
}

/** Keys of both segment databases in a range, snapshot as an array (safe to delete while looping). */
export function segmentKeys(store: Store, range: { start: string; end: string }): string[] {
  return [...Array.from(store.segments.getKeys(range)), ...Array.from(store.segmentsLz4.getKeys(range))] as string[];
}

/** How many segments the store holds (staged and published). */
export function countSegments(store: Store): number {
  return store.segments.getKeysCount() + store.segmentsLz4.getKeysCount();
}
