/**
 * Column builders that write Arrow buffers directly: typed arrays that grow,
 * a validity bitmap made only once a null appears, UTF-8 appended from bytes.
 * Readers use them to build RecordBatches without row objects or per-value
 * Arrow calls.
 */
import { type Data, type DataType, makeData, RecordBatch, type Schema, Struct, Type, Utf8, Binary } from 'apache-arrow';
import { parseDecimal, writeInt128 } from './values.js';

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

class Validity {
  bits: Uint8Array | undefined;
  nulls = 0;
  /** Marks row i null, creating the bitmap (all valid before i) on the first null. */
  setNull(i: number): void {
    if (!this.bits) {
      this.bits = new Uint8Array(Math.max(64, (i >> 3) * 2 + 8)).fill(0xff);
    } else if ((i >> 3) >= this.bits.length) {
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

type NumArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type NumArrayCtor = { new (n: number): NumArray; BYTES_PER_ELEMENT: number };

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
    this.values = new Ctor(capacity);
    this.big = Ctor === BigInt64Array || Ctor === BigUint64Array;
    if (this.big) this.i32 = new Int32Array(this.values.buffer);
  }
  private grow(): void {
    this.capacity *= 2;
    const next = new this.Ctor(this.capacity);
    (next as Int32Array).set(this.values as Int32Array);
    this.values = next;
    if (this.big) this.i32 = new Int32Array(next.buffer);
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
    this.values = new this.Ctor(this.capacity);
    if (this.big) this.i32 = new Int32Array(this.values.buffer);
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
    if ((this.length >> 3) >= this.bits.length) this.growBits();
    if (value) this.bits[this.length >> 3]! |= 1 << (this.length & 7);
    this.length++;
  }
  private growBits(): void {
    const next = new Uint8Array(this.bits.length * 2);
    next.set(this.bits);
    this.bits = next;
  }
  appendNull(): void {
    if ((this.length >> 3) >= this.bits.length) this.growBits();
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
  offsets = new Int32Array(1024);
  used = 0;
  private readonly validity = new Validity();
  constructor(
    readonly type: DataType,
    private readonly initialBytes = 64 * 1024,
  ) {
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }
  /** Makes room for `bytes` more value bytes and `rows` more values. */
  reserve(bytes: number, rows: number): void {
    if (this.used + bytes > this.bytes.length) {
      let cap = this.bytes.length * 2;
      while (cap < this.used + bytes) cap *= 2;
      const next = Buffer.allocUnsafe(cap);
      this.bytes.copy(next, 0, 0, this.used);
      this.bytes = next;
    }
    if (this.length + rows + 1 > this.offsets.length) {
      let cap = this.offsets.length * 2;
      while (cap < this.length + rows + 1) cap *= 2;
      const next = new Int32Array(cap);
      next.set(this.offsets.subarray(0, this.length + 1));
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
    this.bytes = Buffer.allocUnsafe(this.bytes.length > 8 * 1024 * 1024 ? this.initialBytes : Math.max(this.initialBytes, this.bytes.length));
    this.offsets = new Int32Array(this.offsets.length);
    this.used = 0;
    this.length = 0;
    return data;
  }
}

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

/** The builder for an Arrow type (the types ferry columns use, plus unsigned ints and time). */
export function createBuilder(type: DataType): ColumnBuilder {
  const t = type as DataType & { bitWidth?: number; isSigned?: boolean; precision?: number; unit?: number };
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary:
      return new VarBuilder(type);
    case Type.Bool:
      return new BoolBuilder(type);
    case Type.Decimal:
      return new DecimalBuilder(type);
    case Type.Int: {
      const signed = t.isSigned;
      const ctor = t.bitWidth === 8 ? (signed ? Int8Array : Uint8Array) : t.bitWidth === 16 ? (signed ? Int16Array : Uint16Array) : t.bitWidth === 32 ? (signed ? Int32Array : Uint32Array) : signed ? BigInt64Array : BigUint64Array;
      return new FixedBuilder(type, ctor);
    }
    case Type.Float:
      return new FixedBuilder(type, t.precision === 2 ? Float64Array : Float32Array);
    case Type.Date:
      return new FixedBuilder(type, t.unit === 0 ? Int32Array : BigInt64Array);
    case Type.Timestamp:
      return new FixedBuilder(type, BigInt64Array);
    case Type.Time:
      return new FixedBuilder(type, t.bitWidth === 64 ? BigInt64Array : Int32Array);
    default:
      throw new Error(`no column builder for Arrow type ${String(type)}`);
  }
}

/** Builders for every field of a schema. */
export function createBuilders(schema: Schema): ColumnBuilder[] {
  return schema.fields.map((f) => createBuilder(f.type));
}

/** A RecordBatch from column Data of equal length. */
export function makeBatch(schema: Schema, columns: Data[]): RecordBatch {
  const length = columns[0]?.length ?? 0;
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns });
  return new RecordBatch(schema, data);
}

/** Finishes every builder into one RecordBatch. */
export function finishBatch(schema: Schema, builders: ColumnBuilder[]): RecordBatch {
  return makeBatch(schema, builders.map((b) => b.finish()));
}

/** Bytes a batch occupies (values, offsets, bitmaps): what rate limits and MB/s count. */
export function batchBytes(batch: RecordBatch): number {
  let n = 0;
  for (const child of batch.data.children) n += dataBytes(child);
  return n;
}

function dataBytes(d: Data): number {
  let n = 0;
  if (d.values) n += (d.values as ArrayBufferView).byteLength;
  if (d.valueOffsets) n += d.valueOffsets.byteLength;
  if (d.nullBitmap) n += d.nullBitmap.byteLength;
  for (const c of d.children) n += dataBytes(c);
  return n;
}

export { Utf8, Binary };
