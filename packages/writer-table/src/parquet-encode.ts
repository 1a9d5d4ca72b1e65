/**
 * Arrow batches to a Parquet file, in JavaScript, straight from the Arrow
 * buffers: v1 data pages of about 1 MiB, PLAIN values (text:
 * DELTA_LENGTH_BYTE_ARRAY), definition levels
 * as one RLE run (no nulls) or the validity bitmap bit-packed, one
 * compression call per page, one row group per million rows, chunk-level
 * null counts and min/max, and the Arrow schema in the footer (as arrow-rs
 * writes it, so Arrow readers get the same types and field metadata back).
 * The physical and logical types are the ones arrow-rs (parquet-wasm) chose
 * for the same Arrow types. Arrow JS's slices keep `offset` for the bitmaps
 * (validity, booleans) only: offsets and fixed-width values are sliced
 * buffers, indexed from 0. Measured against parquet-wasm, see the package
 * README: the WebAssembly encoder needed an Arrow IPC copy of every batch and
 * spent most of its time building pages.
 */
import { createRequire } from 'node:module';
import { type Data, type DataType, type Schema, Table, tableToIPC, Type } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { CODEC_ID, type CompressionName, compressor } from './parquet-codec.js';
import { CompactWriter, putVarint, T, zigzag } from './thrift-compact.js';

/** `created_by` in the footer, in the `<application> version <version>` form readers parse. */
const CREATED_BY = `ferry version ${(createRequire(import.meta.url)('../package.json') as { version: string }).version}`;

/** Rows per row group at most. */
export const ROW_GROUP_ROWS = 1024 * 1024;

/** Uncompressed values per data page, about. */
const PAGE_BYTES = 1024 * 1024;

// Parquet enums.
const PT = { BOOLEAN: 0, INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const;
const CONVERTED = { UTF8: 0, DECIMAL: 5, DATE: 6, TIMESTAMP_MICROS: 10, INT_8: 15, INT_16: 16 } as const;
const ENC_PLAIN = 0;
const ENC_RLE = 3;
const ENC_DELTA_LENGTH = 6;
const OPTIONAL = 1;

type Stats = 'int32' | 'int64' | 'float' | 'double' | 'bool' | 'none';

/** How one Arrow column is stored. */
interface ColumnKind {
  physical: number;
  typeLength?: number;
  converted?: number;
  scale?: number;
  precision?: number;
  /** Writes the LogicalType union's member inside field 10 of the SchemaElement. */
  logical?: (w: CompactWriter) => void;
  /** Bytes per stored value (0: variable, length-prefixed). Booleans are bits: 1/8. */
  width: number;
  stats: Stats;
  /** The values' encoding (default PLAIN). */
  encoding?: number;
  /** Fixed-width kinds: writes the non-null values of rows [from, to) at `pos`; returns the new position. Booleans and text are written by encodePage itself. */
  put?(d: Data, from: number, to: number, out: Buffer, pos: number): number;
}

/** A run of rows of one batch. */
interface Segment {
  batch: RecordBatch;
  from: number;
  to: number;
}

/** One file's bytes, as the buffers to write in order. */
export interface EncodedFile {
  chunks: Buffer[];
  bytes: number;
  rows: number;
}

/** Encodes `batches` (all of `schema`) as one Parquet file. */
export function encodeParquet(schema: Schema, batches: RecordBatch[], compression: CompressionName): EncodedFile {
  const kinds = schema.fields.map((f) => columnKind(f.type, f.name));
  const compress = compressor(compression);
  const codec = CODEC_ID[compression];
  const out = new FileOut();
  out.push(MAGIC);
  const groups: Buffer[] = [];
  const header = new CompactWriter(64);
  let rows = 0;
  for (const group of rowGroups(batches)) {
    const groupRows = group.reduce((n, s) => n + s.to - s.from, 0);
    const chunkMeta: Buffer[] = [];
    const start = out.bytes;
    let uncompressed = 0;
    kinds.forEach((kind, c) => {
      const chunkStart = out.bytes;
      const stats = new ColumnStats(kind.stats);
      let chunkUncompressed = 0;
      for (const page of pages(group, c, kind)) {
        const { body, rows: pageRows } = encodePage(page, c, kind, stats);
        const packed = codec === 0 ? Buffer.from(body) : compress(body);
        const h = header
          .reset()
          .i32(1, 0) // DATA_PAGE
          .i32(2, body.length)
          .i32(3, packed.length)
          .struct(5)
          .i32(1, pageRows)
          .i32(2, kind.encoding ?? ENC_PLAIN)
          .i32(3, ENC_RLE)
          .i32(4, ENC_RLE)
          .end()
          .end()
          .bytes();
        out.push(Buffer.from(h));
        out.push(packed);
        chunkUncompressed += h.length + body.length;
      }
      uncompressed += chunkUncompressed;
      chunkMeta.push(columnChunk(schema.fields[c]!.name, kind, codec, groupRows, chunkStart, out.bytes - chunkStart, chunkUncompressed, stats));
    });
    groups.push(rowGroup(chunkMeta, uncompressed, groupRows, start, out.bytes - start, groups.length));
    rows += groupRows;
  }
  const footer = fileMetaData(schema, kinds, rows, groups);
  out.push(footer);
  const tail = Buffer.allocUnsafe(8);
  tail.writeUInt32LE(footer.length, 0);
  MAGIC.copy(tail, 4);
  out.push(tail);
  return { chunks: out.chunks, bytes: out.bytes, rows };
}

const MAGIC = Buffer.from('PAR1', 'latin1');

class FileOut {
  chunks: Buffer[] = [];
  bytes = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.bytes += b.length;
  }
}

/** The batches cut into row groups of at most ROW_GROUP_ROWS rows. */
function* rowGroups(batches: RecordBatch[]): Generator<Segment[]> {
  let group: Segment[] = [];
  let n = 0;
  for (const batch of batches) {
    let from = 0;
    while (from < batch.numRows) {
      const take = Math.min(batch.numRows - from, ROW_GROUP_ROWS - n);
      group.push({ batch, from, to: from + take });
      n += take;
      from += take;
      if (n === ROW_GROUP_ROWS) {
        yield group;
        group = [];
        n = 0;
      }
    }
  }
  if (n > 0 || group.length) yield group;
}

/** The row group's rows of column `c` cut into pages of about PAGE_BYTES of values. */
function* pages(group: Segment[], c: number, kind: ColumnKind): Generator<Segment[]> {
  let page: Segment[] = [];
  let bytes = 0;
  for (const seg of group) {
    const d = seg.batch.data.children[c]!;
    let from = seg.from;
    while (from < seg.to) {
      const to = cutAt(d, from, seg.to, PAGE_BYTES - bytes, kind.width);
      page.push({ batch: seg.batch, from, to });
      bytes += valueBytes(d, from, to, kind.width);
      from = to;
      if (bytes >= PAGE_BYTES) {
        yield page;
        page = [];
        bytes = 0;
      }
    }
  }
  if (page.length) yield page;
}

/** Bytes the values of rows [from, to) take (nulls counted as values: an estimate for cutting pages). */
function valueBytes(d: Data, from: number, to: number, width: number): number {
  if (width > 0) return (to - from) * width;
  const o = d.valueOffsets as Int32Array;
  return o[to]! - o[from]! + 4 * (to - from);
}

/** The row where rows from `from` reach `budget` bytes (at least one row more than `from`), at most `to`. */
function cutAt(d: Data, from: number, to: number, budget: number, width: number): number {
  if (width > 0) return Math.min(to, from + Math.max(1, Math.ceil(budget / width)));
  if (valueBytes(d, from, to, 0) <= budget) return to;
  let lo = from + 1;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (valueBytes(d, from, mid, 0) < budget) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The page being built (reused: compression copies it out; `none` copies it). */
let scratch = Buffer.allocUnsafe(2 * PAGE_BYTES);
/** The lengths of a page's text values. */
let lengths = new Int32Array(64 * 1024);

/**
 * A v1 data page body: 4-byte length and definition levels, then the
 * values. A view of the scratch buffer, valid until the next call.
 */
function encodePage(page: Segment[], c: number, kind: ColumnKind, stats: ColumnStats): { body: Buffer; rows: number } {
  let rows = 0;
  let nulls = 0;
  let valueSize = 0;
  for (const s of page) {
    const d = s.batch.data.children[c]!;
    const segNulls = nullsIn(d, s.from, s.to);
    rows += s.to - s.from;
    nulls += segNulls;
    if (kind.width > 0 && !isBool(kind)) valueSize += (s.to - s.from - segNulls) * kind.width;
    else if (kind.width === 0) valueSize += textBytes(d, s.from, s.to, segNulls);
  }
  const values = rows - nulls;
  if (isBool(kind)) valueSize = Math.ceil(values / 8);
  // Text: the lengths, delta-binary-packed (at most 5 bytes per value plus the block headers), then the bytes.
  else if (kind.width === 0) valueSize += deltaPackedBound(values);
  const groups = Math.ceil(rows / 8);
  const levels = nulls === 0 ? varintSize(rows * 2) + 1 : varintSize(groups * 2 + 1) + groups;
  const size = 4 + levels + valueSize;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  const body = scratch;
  body.writeUInt32LE(levels, 0);
  let pos = 4;
  if (nulls === 0) {
    pos = putVarint(body, pos, rows * 2);
    body[pos++] = 1;
  } else {
    pos = putVarint(body, pos, groups * 2 + 1);
    body.fill(0, pos, pos + groups);
    let bit = 0;
    for (const s of page) {
      copyValidity(s.batch.data.children[c]!, s.from, s.to, body, pos, bit);
      bit += s.to - s.from;
    }
    pos += groups;
  }
  if (isBool(kind)) {
    // Booleans: the values of every segment are bits packed one after another.
    body.fill(0, pos, pos + valueSize);
    let bit = 0;
    for (const s of page) bit = putBools(s.batch.data.children[c]!, s.from, s.to, body, pos, bit);
    pos += valueSize;
  } else if (kind.width === 0) {
    pos = putText(page, c, values, body, pos);
  } else {
    for (const s of page) pos = kind.put!(s.batch.data.children[c]!, s.from, s.to, body, pos);
    if (pos !== size) throw new Error(`parquet page of column ${c}: wrote ${pos} bytes, expected ${size}`);
  }
  for (const s of page) stats.add(s.batch.data.children[c]!, s.from, s.to);
  stats.nulls += nulls;
  return { body: body.subarray(0, pos), rows };
}

/** Bytes of the non-null text values of rows [from, to). */
function textBytes(d: Data, from: number, to: number, nulls: number): number {
  const o = d.valueOffsets as Int32Array;
  if (nulls === 0) return o[to]! - o[from]!;
  let n = 0;
  for (let i = from; i < to; i++) if (isValid(d, i)) n += o[i + 1]! - o[i]!;
  return n;
}

/**
 * DELTA_LENGTH_BYTE_ARRAY: the lengths of the non-null values, then their
 * bytes one after another, which is how Arrow already keeps them: one copy
 * per segment instead of one per value (PLAIN interleaves a length before
 * each value).
 */
function putText(page: Segment[], c: number, count: number, out: Buffer, pos: number): number {
  if (lengths.length < count) lengths = new Int32Array(Math.max(count, lengths.length * 2));
  let k = 0;
  for (const s of page) {
    const d = s.batch.data.children[c]!;
    const o = d.valueOffsets as Int32Array;
    const nulls = hasNulls(d);
    for (let i = s.from; i < s.to; i++) {
      if (nulls && !isValid(d, i)) continue;
      lengths[k++] = o[i + 1]! - o[i]!;
    }
  }
  pos = putDeltaPacked(lengths, count, out, pos);
  for (const s of page) {
    const d = s.batch.data.children[c]!;
    const o = d.valueOffsets as Int32Array;
    const v = d.values as Uint8Array;
    if (!hasNulls(d)) {
      const a = o[s.from]!;
      const b = o[s.to]!;
      out.set(v.subarray(a, b), pos);
      pos += b - a;
      continue;
    }
    // Copy runs of valid values (a null's slot may hold bytes in Arrow: skip them).
    let i = s.from;
    while (i < s.to) {
      while (i < s.to && !isValid(d, i)) i++;
      const start = i;
      while (i < s.to && isValid(d, i)) i++;
      if (i > start) {
        const a = o[start]!;
        const b = o[i]!;
        out.set(v.subarray(a, b), pos);
        pos += b - a;
      }
    }
  }
  return pos;
}

const BLOCK = 128;
const MINIBLOCKS = 4;
const MINI = BLOCK / MINIBLOCKS;

/** The most bytes putDeltaPacked writes for `n` values. */
function deltaPackedBound(n: number): number {
  return 4 * 5 + Math.ceil(n / BLOCK) * (5 + MINIBLOCKS + BLOCK * 4);
}

/** DELTA_BINARY_PACKED of the first `n` int32 values: blocks of 128 deltas in 4 miniblocks of 32. */
function putDeltaPacked(v: Int32Array, n: number, out: Buffer, pos: number): number {
  pos = putVarint(out, pos, BLOCK);
  pos = putVarint(out, pos, MINIBLOCKS);
  pos = putVarint(out, pos, n);
  pos = putVarint(out, pos, n === 0 ? 0 : zigzag(v[0]!));
  const deltas = new Float64Array(BLOCK);
  for (let start = 1; start < n; start += BLOCK) {
    const count = Math.min(BLOCK, n - start);
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      const d = v[start + i]! - v[start + i - 1]!;
      deltas[i] = d;
      if (d < min) min = d;
    }
    pos = putVarint(out, pos, zigzag(min));
    const widthsAt = pos;
    pos += MINIBLOCKS;
    for (let m = 0; m < MINIBLOCKS; m++) {
      const from = m * MINI;
      if (from >= count) {
        out[widthsAt + m] = 0;
        continue;
      }
      const to = Math.min(count, from + MINI);
      let max = 0;
      for (let i = from; i < to; i++) {
        const x = deltas[i]! - min;
        deltas[i] = x;
        if (x > max) max = x;
      }
      for (let i = to; i < from + MINI; i++) deltas[i] = 0;
      const width = max === 0 ? 0 : Math.floor(Math.log2(max)) + 1;
      out[widthsAt + m] = width;
      pos = packBits(deltas, from, width, out, pos);
    }
  }
  return pos;
}

/** 32 values of `width` bits, least significant bit first. */
function packBits(x: Float64Array, from: number, width: number, out: Buffer, pos: number): number {
  if (width === 0) return pos;
  if (width <= 24) {
    let acc = 0;
    let bits = 0;
    for (let i = from; i < from + MINI; i++) {
      acc |= x[i]! << bits;
      bits += width;
      while (bits >= 8) {
        out[pos++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) out[pos++] = acc & 0xff;
    return pos;
  }
  // Wide values (lengths past 16 MiB, or wild swings): arithmetic instead of 32-bit shifts.
  let acc = 0;
  let bits = 0;
  for (let i = from; i < from + MINI; i++) {
    acc += x[i]! * 2 ** bits;
    bits += width;
    while (bits >= 8) {
      out[pos++] = acc % 256;
      acc = Math.floor(acc / 256);
      bits -= 8;
    }
  }
  if (bits > 0) out[pos++] = acc % 256;
  return pos;
}

function isBool(kind: ColumnKind): boolean {
  return kind.physical === PT.BOOLEAN;
}

function nullsIn(d: Data, from: number, to: number): number {
  if (!hasNulls(d)) return 0;
  if (from === 0 && to === d.length) return d.nullCount;
  let n = 0;
  for (let i = from; i < to; i++) if (!isValid(d, i)) n++;
  return n;
}

function isValid(d: Data, i: number): boolean {
  if (!hasNulls(d)) return true;
  const j = d.offset + i;
  return (d.nullBitmap![j >> 3]! & (1 << (j & 7))) !== 0;
}

/** Copies the validity bits of rows [from, to) to `out` at byte `at`, bit `bit` (zeroed beforehand). */
function copyValidity(d: Data, from: number, to: number, out: Buffer, at: number, bit: number): void {
  const n = to - from;
  if (!hasNulls(d)) {
    setBits(out, at, bit, n);
    return;
  }
  const bm = d.nullBitmap!;
  const src = d.offset + from;
  if ((src & 7) === 0 && (bit & 7) === 0) {
    const whole = n >> 3;
    out.set(bm.subarray(src >> 3, (src >> 3) + whole), at + (bit >> 3));
    for (let i = whole * 8; i < n; i++) if (bm[(src + i) >> 3]! & (1 << ((src + i) & 7))) out[at + ((bit + i) >> 3)]! |= 1 << ((bit + i) & 7);
    return;
  }
  for (let i = 0; i < n; i++) if (bm[(src + i) >> 3]! & (1 << ((src + i) & 7))) out[at + ((bit + i) >> 3)]! |= 1 << ((bit + i) & 7);
}

function setBits(out: Buffer, at: number, bit: number, n: number): void {
  let i = 0;
  for (; i < n && ((bit + i) & 7) !== 0; i++) out[at + ((bit + i) >> 3)]! |= 1 << ((bit + i) & 7);
  const full = (n - i) >> 3;
  if (full > 0) out.fill(0xff, at + ((bit + i) >> 3), at + ((bit + i) >> 3) + full);
  i += full * 8;
  for (; i < n; i++) out[at + ((bit + i) >> 3)]! |= 1 << ((bit + i) & 7);
}

/** Packs the non-null booleans of rows [from, to) after bit `bit` of `out[at..]`; returns the next bit. */
function putBools(d: Data, from: number, to: number, out: Buffer, at: number, bit: number): number {
  const v = d.values as Uint8Array;
  for (let i = from; i < to; i++) {
    if (!isValid(d, i)) continue;
    const j = d.offset + i;
    if (v[j >> 3]! & (1 << (j & 7))) out[at + (bit >> 3)]! |= 1 << (bit & 7);
    bit++;
  }
  return bit;
}

/** Fixed-width values copied as they are (the same little-endian bytes Parquet's PLAIN uses). */
function putFixed(width: number) {
  return (d: Data, from: number, to: number, out: Buffer, pos: number): number => {
    const v = d.values as ArrayBufferView;
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (!hasNulls(d)) {
      const s = from * width;
      const e = to * width;
      out.set(bytes.subarray(s, e), pos);
      return pos + e - s;
    }
    for (let i = from; i < to; i++) {
      if (!isValid(d, i)) continue;
      const s = i * width;
      for (let k = 0; k < width; k++) out[pos++] = bytes[s + k]!;
    }
    return pos;
  };
}

/** 8- and 16-bit integers widened to INT32. */
function putWidened(d: Data, from: number, to: number, out: Buffer, pos: number): number {
  const v = d.values as Int8Array | Int16Array;
  for (let i = from; i < to; i++) {
    if (!isValid(d, i)) continue;
    out.writeInt32LE(v[i]!, pos);
    pos += 4;
  }
  return pos;
}

/** Decimal128 as INT32 / INT64 (the low bytes) or big-endian FIXED_LEN_BYTE_ARRAY of `len` bytes. */
function putDecimal(len: number, bigEndian: boolean) {
  return (d: Data, from: number, to: number, out: Buffer, pos: number): number => {
    const v = d.values as Uint32Array;
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    const nulls = hasNulls(d);
    for (let i = from; i < to; i++) {
      if (nulls && !isValid(d, i)) continue;
      const s = i * 16;
      if (bigEndian) for (let k = 0; k < len; k++) out[pos + k] = bytes[s + len - 1 - k]!;
      else for (let k = 0; k < len; k++) out[pos + k] = bytes[s + k]!;
      pos += len;
    }
    return pos;
  };
}

function hasNulls(d: Data): boolean {
  return d.nullCount > 0 && !!d.nullBitmap && d.nullBitmap.length > 0;
}

/** Bytes of the smallest two's complement integer holding every `precision`-digit number. */
function decimalBytes(precision: number): number {
  let n = 1;
  while (2n ** BigInt(8 * n - 1) - 1n < 10n ** BigInt(precision) - 1n) n++;
  return n;
}

function columnKind(type: DataType, name: string): ColumnKind {
  const t = type as DataType & { bitWidth?: number; isSigned?: boolean; precision?: number; scale?: number; unit?: number; timezone?: string | null };
  switch (type.typeId) {
    case Type.Utf8:
      return { physical: PT.BYTE_ARRAY, converted: CONVERTED.UTF8, logical: (w) => w.struct(1).end(), width: 0, encoding: ENC_DELTA_LENGTH, stats: 'none' };
    case Type.Binary:
      return { physical: PT.BYTE_ARRAY, width: 0, encoding: ENC_DELTA_LENGTH, stats: 'none' };
    case Type.Bool:
      return { physical: PT.BOOLEAN, width: 1 / 8, stats: 'bool' };
    case Type.Int:
      if (t.isSigned && t.bitWidth === 64) return { physical: PT.INT64, width: 8, stats: 'int64', put: putFixed(8) };
      if (t.isSigned && t.bitWidth === 32) return { physical: PT.INT32, width: 4, stats: 'int32', put: putFixed(4) };
      if (t.isSigned && (t.bitWidth === 16 || t.bitWidth === 8)) {
        const bits = t.bitWidth;
        return {
          physical: PT.INT32,
          converted: bits === 16 ? CONVERTED.INT_16 : CONVERTED.INT_8,
          logical: (w) => w.struct(10).i8(1, bits).bool(2, true).end(),
          width: 4,
          stats: 'int32',
          put: putWidened,
        };
      }
      break;
    case Type.Float:
      if (t.precision === 2) return { physical: PT.DOUBLE, width: 8, stats: 'double', put: putFixed(8) };
      if (t.precision === 1) return { physical: PT.FLOAT, width: 4, stats: 'float', put: putFixed(4) };
      break;
    case Type.Date:
      if (t.unit === 0) return { physical: PT.INT32, converted: CONVERTED.DATE, logical: (w) => w.struct(6).end(), width: 4, stats: 'int32', put: putFixed(4) };
      break;
    case Type.Timestamp:
      if (t.unit === 2) {
        const utc = !!t.timezone;
        return {
          physical: PT.INT64,
          converted: CONVERTED.TIMESTAMP_MICROS,
          logical: (w) => w.struct(8).bool(1, utc).struct(2).struct(2).end().end().end(),
          width: 8,
          stats: 'int64',
          put: putFixed(8),
        };
      }
      break;
    case Type.Decimal: {
      if (t.bitWidth !== 128) break;
      const precision = t.precision!;
      const scale = t.scale!;
      const dec = { converted: CONVERTED.DECIMAL, scale, precision, logical: (w: CompactWriter) => w.struct(5).i32(1, scale).i32(2, precision).end(), stats: 'none' as const };
      if (precision <= 9) return { ...dec, physical: PT.INT32, width: 4, put: putDecimal(4, false) };
      if (precision <= 18) return { ...dec, physical: PT.INT64, width: 8, put: putDecimal(8, false) };
      const len = decimalBytes(precision);
      return { ...dec, physical: PT.FIXED_LEN_BYTE_ARRAY, typeLength: len, width: len, put: putDecimal(len, true) };
    }
  }
  throw new Error(`column ${name}: no Parquet encoding for Arrow type ${String(type)}`);
}

/** Null count and min/max of a column chunk. */
class ColumnStats {
  nulls = 0;
  private any = false;
  private min = 0;
  private max = 0;
  private minHi = 0;
  private minLo = 0;
  private maxHi = 0;
  private maxLo = 0;

  constructor(private readonly kind: Stats) {}

  add(d: Data, from: number, to: number): void {
    const nulls = hasNulls(d);
    switch (this.kind) {
      case 'int32':
      case 'float':
      case 'double': {
        const v = d.values as Int32Array | Float32Array | Float64Array | Int16Array | Int8Array;
        let min = this.any ? this.min : Number.POSITIVE_INFINITY;
        let max = this.any ? this.max : Number.NEGATIVE_INFINITY;
        // NaN compares false both ways: it is skipped.
        if (!nulls) {
          for (let i = from; i < to; i++) {
            const x = v[i]!;
            if (x < min) min = x;
            if (x > max) max = x;
          }
        } else {
          for (let i = from; i < to; i++) {
            if (!isValid(d, i)) continue;
            const x = v[i]!;
            if (x < min) min = x;
            if (x > max) max = x;
          }
        }
        if (min <= max) {
          this.any = true;
          this.min = min;
          this.max = max;
        }
        return;
      }
      case 'int64': {
        // Two 32-bit halves per value (high signed, low unsigned): no BigInt is made. Locals in the loop.
        const v = d.values as BigInt64Array;
        const w = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
        let { any, minHi, minLo, maxHi, maxLo } = this;
        for (let i = from; i < to; i++) {
          if (nulls && !isValid(d, i)) continue;
          const lo = w[i * 2]! >>> 0;
          const hi = w[i * 2 + 1]!;
          if (!any) {
            any = true;
            minHi = maxHi = hi;
            minLo = maxLo = lo;
            continue;
          }
          if (hi < minHi || (hi === minHi && lo < minLo)) {
            minHi = hi;
            minLo = lo;
          } else if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
            maxHi = hi;
            maxLo = lo;
          }
        }
        this.any = any;
        this.minHi = minHi;
        this.minLo = minLo;
        this.maxHi = maxHi;
        this.maxLo = maxLo;
        return;
      }
      case 'bool': {
        const v = d.values as Uint8Array;
        for (let i = from; i < to; i++) {
          if (nulls && !isValid(d, i)) continue;
          const j = d.offset + i;
          const x = v[j >> 3]! & (1 << (j & 7)) ? 1 : 0;
          if (!this.any) {
            this.any = true;
            this.min = this.max = x;
          } else {
            if (x < this.min) this.min = x;
            if (x > this.max) this.max = x;
          }
        }
        return;
      }
      case 'none':
        return;
    }
  }

  /** The Statistics struct's fields (inside an open struct). */
  write(w: CompactWriter): void {
    w.i64(3, this.nulls);
    if (!this.any) return;
    const [min, max] = this.bounds();
    w.binary(5, max).binary(6, min);
  }

  private bounds(): [Buffer, Buffer] {
    switch (this.kind) {
      case 'int32': {
        const b = Buffer.allocUnsafe(8);
        b.writeInt32LE(this.min, 0);
        b.writeInt32LE(this.max, 4);
        return [b.subarray(0, 4), b.subarray(4)];
      }
      case 'int64': {
        const b = Buffer.allocUnsafe(16);
        b.writeUInt32LE(this.minLo, 0);
        b.writeInt32LE(this.minHi, 4);
        b.writeUInt32LE(this.maxLo, 8);
        b.writeInt32LE(this.maxHi, 12);
        return [b.subarray(0, 8), b.subarray(8)];
      }
      case 'float':
      case 'double': {
        // Parquet's rule for zeros: a min of 0 is written as -0.0, a max of 0 as +0.0.
        const min = this.min === 0 ? -0 : this.min;
        const max = this.max === 0 ? 0 : this.max;
        const width = this.kind === 'float' ? 4 : 8;
        const b = Buffer.allocUnsafe(2 * width);
        if (width === 4) {
          b.writeFloatLE(min, 0);
          b.writeFloatLE(max, 4);
        } else {
          b.writeDoubleLE(min, 0);
          b.writeDoubleLE(max, 8);
        }
        return [b.subarray(0, width), b.subarray(width)];
      }
      default:
        return [Buffer.from([this.min]), Buffer.from([this.max])];
    }
  }
}

function columnChunk(name: string, kind: ColumnKind, codec: number, rows: number, offset: number, compressed: number, uncompressed: number, stats: ColumnStats): Buffer {
  const w = new CompactWriter(128);
  // file_offset is deprecated: 0 when the ColumnMetaData is only in the footer (parquet.thrift).
  w.i64(2, 0).struct(3);
  w.i32(1, kind.physical)
    .list(2, T.I32, 2)
    .itemI32(kind.encoding ?? ENC_PLAIN)
    .itemI32(ENC_RLE);
  w.list(3, T.BINARY, 1).itemBinary(name);
  w.i32(4, codec).i64(5, rows).i64(6, uncompressed).i64(7, compressed).i64(9, offset);
  w.struct(12);
  stats.write(w);
  w.end(); // Statistics
  w.end(); // ColumnMetaData
  w.end(); // ColumnChunk
  return Buffer.from(w.bytes());
}

function rowGroup(columns: Buffer[], uncompressed: number, rows: number, offset: number, compressed: number, ordinal: number): Buffer {
  const w = new CompactWriter(256 * columns.length);
  w.list(1, T.STRUCT, columns.length);
  for (const c of columns) w.raw(c);
  w.i64(2, uncompressed).i64(3, rows).i64(5, offset).i64(6, compressed).i16(7, ordinal).end();
  return Buffer.from(w.bytes());
}

/** The ARROW:schema footer entry: the schema as an encapsulated IPC message, base64 (what arrow-rs reads back). */
const arrowSchemas = new WeakMap<Schema, string>();
function arrowSchemaText(schema: Schema): string {
  let text = arrowSchemas.get(schema);
  if (!text) {
    const ipc = tableToIPC(new Table(schema), 'stream');
    const len = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength).getInt32(4, true);
    text = Buffer.from(ipc.buffer, ipc.byteOffset, 8 + len).toString('base64');
    arrowSchemas.set(schema, text);
  }
  return text;
}

function fileMetaData(schema: Schema, kinds: ColumnKind[], rows: number, groups: Buffer[]): Buffer {
  const w = new CompactWriter(1024);
  w.i32(1, 1);
  w.list(2, T.STRUCT, kinds.length + 1);
  w.item().binary(4, 'arrow_schema').i32(5, kinds.length).end();
  kinds.forEach((k, i) => {
    w.item().i32(1, k.physical);
    if (k.typeLength !== undefined) w.i32(2, k.typeLength);
    w.i32(3, OPTIONAL).binary(4, schema.fields[i]!.name);
    if (k.converted !== undefined) w.i32(6, k.converted);
    if (k.scale !== undefined) w.i32(7, k.scale).i32(8, k.precision!);
    if (k.logical) {
      w.struct(10);
      k.logical(w);
      w.end();
    }
    w.end();
  });
  w.i64(3, rows);
  w.list(4, T.STRUCT, groups.length);
  for (const g of groups) w.raw(g);
  w.list(5, T.STRUCT, 1).item().binary(1, 'ARROW:schema').binary(2, arrowSchemaText(schema)).end();
  w.binary(6, CREATED_BY);
  w.list(7, T.STRUCT, kinds.length);
  for (let i = 0; i < kinds.length; i++) w.item().struct(1).end().end();
  w.end();
  return Buffer.from(w.bytes());
}

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
