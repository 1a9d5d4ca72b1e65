/** Builders of fixed-width columns: numbers, dates, times, timestamps (typed arrays that grow) and booleans (bits). */
import { type Data, type DataType, makeData } from 'apache-arrow';
import { giveBuffer, takeBuffer } from './buffer-pool.js';
import { type ColumnBuilder, Validity } from './column-builder.js';

type NumArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type NumArrayCtor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): NumArray; BYTES_PER_ELEMENT: number };

/** Fixed-width numbers: ints, floats, DateDay, Timestamp, Time. */
export class FixedBuilder implements ColumnBuilder {
  length = 0;
  private values: NumArray;
  private i32: Int32Array | undefined;
  private readonly validity = new Validity();
  private readonly big: boolean;
  constructor(
    readonly type: DataType,
    private readonly Ctor: NumArrayCtor,
    private capacity = 1024,
  ) {
    this.big = Ctor === BigInt64Array || Ctor === BigUint64Array;
    this.values = this.alloc(capacity);
  }
  /** Room for `n` values from the thread's pool, not zeroed: every row is written (nulls as 0). Sets the 64-bit columns' 32-bit view. */
  private alloc(n: number): NumArray {
    const values = new this.Ctor(takeBuffer(n * this.Ctor.BYTES_PER_ELEMENT), 0, n);
    if (this.big) this.i32 = new Int32Array(values.buffer, 0, n * 2);
    return values;
  }
  private grow(): void {
    this.capacity *= 2;
    const next = this.alloc(this.capacity);
    (next as Int32Array).set(this.values as Int32Array);
    giveBuffer(this.values.buffer);
    this.values = next;
  }
  /** Appends a number (or a bigint for 64-bit columns). */
  append(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (this.length === this.capacity) this.grow();
    if (this.big) {
      if (typeof value === 'number') {
        // Safe integers go in as two 32-bit halves: no BigInt allocated.
        const i = this.length * 2;
        const hi = Math.floor(value / 4294967296);
        this.i32![i] = (value - hi * 4294967296) | 0;
        this.i32![i + 1] = hi | 0;
      } else (this.values as BigInt64Array)[this.length] = BigInt(value as bigint);
    } else if (typeof value === 'boolean') (this.values as Int8Array)[this.length] = value ? 1 : 0;
    else (this.values as Int32Array)[this.length] = value as number;
    this.length++;
  }
  appendNull(): void {
    if (this.length === this.capacity) this.grow();
    this.validity.setNull(this.length);
    if (this.big) (this.values as BigInt64Array)[this.length] = 0n;
    else this.values[this.length] = 0;
    this.length++;
  }
  byteLength(): number {
    return this.length * this.Ctor.BYTES_PER_ELEMENT + (this.validity.bits ? this.length >> 3 : 0);
  }
  finish(): Data {
    const nullCount = this.validity.nulls;
    const data = makeData({ type: this.type as never, length: this.length, nullCount, nullBitmap: this.validity.take(this.length), data: this.values.subarray(0, this.length) as never });
    this.values = this.alloc(this.capacity);
    this.length = 0;
    return data;
  }
}

/** Booleans, bit-packed. */
export class BoolBuilder implements ColumnBuilder {
  length = 0;
  private bits = new Uint8Array(128);
  private readonly validity = new Validity();
  constructor(readonly type: DataType) {}
  append(value: unknown): void {
    if (value === null || value === undefined) return this.appendNull();
    if (this.length >> 3 >= this.bits.length) this.growBits();
    if (value) this.bits[this.length >> 3]! |= 1 << (this.length & 7);
    this.length++;
  }
  private growBits(): void {
    const next = new Uint8Array(this.bits.length * 2);
    next.set(this.bits);
    this.bits = next;
  }
  appendNull(): void {
    if (this.length >> 3 >= this.bits.length) this.growBits();
    this.validity.setNull(this.length);
    this.length++;
  }
  byteLength(): number {
    return (this.length >> 3) * (this.validity.bits ? 2 : 1);
  }
  finish(): Data {
    const nullCount = this.validity.nulls;
    const data = makeData({ type: this.type as never, length: this.length, nullCount, nullBitmap: this.validity.take(this.length), data: this.bits.subarray(0, (this.length + 7) >> 3) as never });
    this.bits = new Uint8Array(this.bits.length);
    this.length = 0;
    return data;
  }
}
