/** The builder of DECIMAL columns: exact decimal text or bigints as 128-bit little-endian words. */
import { type Data, type DataType, makeData } from 'apache-arrow';
import { type ColumnBuilder, Validity } from './column-builder.js';
import { parseDecimal, writeInt128 } from './values.js';

/** DECIMAL(p,s) as 128-bit unscaled integers; appends bigints (unscaled) or decimal text. */
export class DecimalBuilder implements ColumnBuilder {
  length = 0;
  private words = new Uint32Array(4 * 1024);
  private readonly validity = new Validity();
  readonly precision: number;
  readonly scale: number;
  constructor(readonly type: DataType) {
    this.precision = (type as unknown as { precision: number }).precision;
    this.scale = (type as unknown as { scale: number }).scale;
  }
  /** Appends an unscaled bigint, or a decimal string (returns false when it does not fit). */
  append(value: unknown): boolean {
    if (value === null || value === undefined) {
      this.appendNull();
      return true;
    }
    let unscaled: bigint | undefined;
    if (typeof value === 'bigint') unscaled = value;
    else unscaled = parseDecimal(String(value), this.precision, this.scale);
    if (unscaled === undefined) return false;
    this.ensure();
    writeInt128(this.words, this.length * 4, unscaled);
    this.length++;
    return true;
  }
  private ensure(): void {
    if (this.length * 4 >= this.words.length) {
      const next = new Uint32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
  }
  appendNull(): void {
    this.ensure();
    this.validity.setNull(this.length);
    this.words.fill(0, this.length * 4, this.length * 4 + 4);
    this.length++;
  }
  byteLength(): number {
    return this.length * 16;
  }
  finish(): Data {
    const nullCount = this.validity.nulls;
    const data = makeData({ type: this.type as never, length: this.length, nullCount, nullBitmap: this.validity.take(this.length), data: this.words.subarray(0, this.length * 4) as never });
    this.words = new Uint32Array(this.words.length);
    this.length = 0;
    return data;
  }
}
