/** The builder of UTF-8 and binary columns: bytes appended straight into a growing buffer with int32 offsets. */
import { type Data, type DataType, makeData } from 'apache-arrow';
import { giveBuffer, takeBuffer } from './buffer-pool.js';
import { type ColumnBuilder, Validity } from './column-builder.js';

/** Values up to this many bytes are copied with a loop: cheaper than making a subarray view. */
const SHORT_COPY = 64;

/**
 * UTF-8 strings or binary: offsets plus one growing byte buffer. Readers
 * that frame many values at once may write `bytes`/`offsets` directly after
 * `reserve()` and then set `used` and `length` (see reader-httpfile).
 */
export class VarBuilder implements ColumnBuilder {
  length = 0;
  /** Value bytes; [0, used) are filled. */
  bytes: Buffer;
  /** Value i is bytes [offsets[i], offsets[i+1]). */
  offsets = offsetsOf(1024);
  used = 0;
  private readonly validity = new Validity();
  constructor(
    readonly type: DataType,
    private readonly initialBytes = 64 * 1024,
  ) {
    this.bytes = bytesOf(initialBytes);
  }
  /** Makes room for `bytes` more value bytes and `rows` more values. */
  reserve(bytes: number, rows: number): void {
    if (this.used + bytes > this.bytes.length) {
      let cap = this.bytes.length * 2;
      while (cap < this.used + bytes) cap *= 2;
      const next = bytesOf(cap);
      this.bytes.copy(next, 0, 0, this.used);
      giveBuffer(this.bytes.buffer);
      this.bytes = next;
    }
    if (this.length + rows + 1 > this.offsets.length) {
      let cap = this.offsets.length * 2;
      while (cap < this.length + rows + 1) cap *= 2;
      const next = offsetsOf(cap);
      next.set(this.offsets.subarray(0, this.length + 1));
      giveBuffer(this.offsets.buffer);
      this.offsets = next;
    }
  }
  /** Appends bytes [start, end) of `buf` as one value (no string is made). */
  appendBytes(buf: Uint8Array, start = 0, end = buf.length): void {
    const n = end - start;
    this.reserve(n, 1);
    const out = this.bytes;
    const at = this.used;
    if (n <= SHORT_COPY) for (let i = 0; i < n; i++) out[at + i] = buf[start + i]!;
    else out.set(buf.subarray(start, end), at);
    this.used = at + n;
    this.offsets[++this.length] = this.used;
  }
  /** Appends a JS string, encoded as UTF-8. */
  appendString(s: string): void {
    this.reserve(s.length * 3, 1);
    this.used += this.bytes.write(s, this.used, 'utf8');
    this.offsets[++this.length] = this.used;
  }
  append(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (typeof value === 'string') this.appendString(value);
    else if (value instanceof Uint8Array) this.appendBytes(value);
    else this.appendString(String(value));
  }
  appendNull(): void {
    this.reserve(0, 1);
    this.validity.setNull(this.length);
    this.offsets[this.length + 1] = this.used;
    this.length++;
  }
  byteLength(): number {
    return this.used + this.length * 4;
  }
  finish(): Data {
    const nullCount = this.validity.nulls;
    const data = makeData({
      type: this.type as never,
      length: this.length,
      nullCount,
      nullBitmap: this.validity.take(this.length),
      valueOffsets: this.offsets.subarray(0, this.length + 1),
      data: this.bytes.subarray(0, this.used),
    } as never);
    // The finished column keeps its buffers. Batches are alike, so the next
    // starts as big as this one, unless one huge value inflated it.
    this.bytes = bytesOf(this.bytes.length > 8 * 1024 * 1024 ? this.initialBytes : Math.max(this.initialBytes, this.bytes.length));
    this.offsets = offsetsOf(this.offsets.length);
    this.used = 0;
    this.length = 0;
    return data;
  }
}

/** A value buffer of `n` bytes from the thread's pool (not zeroed). */
function bytesOf(n: number): Buffer {
  return Buffer.from(takeBuffer(n), 0, n);
}

/** Offsets for `n - 1` values from the thread's pool; offsets[0] is 0, the rest unset. */
function offsetsOf(n: number): Int32Array {
  const o = new Int32Array(takeBuffer(n * 4), 0, n);
  o[0] = 0;
  return o;
}
