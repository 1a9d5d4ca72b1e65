/**
 * What every column builder is, and the validity bitmap they share: made
 * only once a null appears, all rows valid before it.
 */
import type { Data, DataType } from 'apache-arrow';

export interface ColumnBuilder {
  readonly type: DataType;
  readonly length: number;
  /** Appends a JS value (string, number, bigint, boolean, Uint8Array); null/undefined append a null. */
  append(value: unknown): void;
  appendNull(): void;
  /** Bytes held so far (values, offsets and bitmap). */
  byteLength(): number;
  /** Returns the built column and starts a new one. */
  finish(): Data;
}

export class Validity {
  bits: Uint8Array | undefined;
  nulls = 0;
  /** Marks row i null, creating the bitmap (all valid before i) on the first null. */
  setNull(i: number): void {
    if (!this.bits) {
      this.bits = new Uint8Array(Math.max(64, (i >> 3) * 2 + 8)).fill(0xff);
    } else if (i >> 3 >= this.bits.length) {
      const next = new Uint8Array(this.bits.length * 2).fill(0xff);
      next.set(this.bits);
      this.bits = next;
    }
    this.bits[i >> 3]! &= ~(1 << (i & 7));
    this.nulls++;
  }
  /** The bitmap for `length` rows; rows appended after the last null must read as valid. */
  take(length: number): Uint8Array | undefined {
    if (!this.bits) return undefined;
    let bits = this.bits;
    const need = (length + 7) >> 3;
    if (bits.length < need) {
      const next = new Uint8Array(need).fill(0xff);
      next.set(bits);
      bits = next;
    }
    this.bits = undefined;
    this.nulls = 0;
    return bits.subarray(0, need);
  }
}
