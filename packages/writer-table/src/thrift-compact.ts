/**
 * The Thrift compact protocol, write side only: what Parquet's page headers
 * and footer are encoded in. Structs are written field by field in
 * increasing id order; `end()` closes the innermost one.
 */

/** Compact-protocol type codes. */
export const T = { TRUE: 1, FALSE: 2, I8: 3, I16: 4, I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

export class CompactWriter {
  private buf: Buffer;
  private pos = 0;
  /** The last field id of each open struct (delta encoding of field ids). */
  private lastIds: number[] = [0];

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** The bytes written so far (a view; copy it before writing more). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Forgets what was written, to encode the next message into the same buffer. */
  reset(): this {
    this.pos = 0;
    this.lastIds = [0];
    return this;
  }

  i32(id: number, v: number): this {
    this.field(id, T.I32);
    return this.varint(zigzag(v));
  }

  i64(id: number, v: number | bigint): this {
    this.field(id, T.I64);
    return this.varint64(zigzag64(BigInt(v)));
  }

  i8(id: number, v: number): this {
    this.field(id, T.I8);
    this.room(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  i16(id: number, v: number): this {
    this.field(id, T.I16);
    return this.varint(zigzag(v));
  }

  bool(id: number, v: boolean): this {
    return this.field(id, v ? T.TRUE : T.FALSE);
  }

  binary(id: number, v: Uint8Array | string): this {
    this.field(id, T.BINARY);
    return this.rawBinary(v);
  }

  /** Opens a struct field; close it with end(). */
  struct(id: number): this {
    this.field(id, T.STRUCT);
    this.lastIds.push(0);
    return this;
  }

  /** Opens a list field of `size` elements of type `elem`; structs in it are opened with item() and closed with end(). */
  list(id: number, elem: number, size: number): this {
    this.field(id, T.LIST);
    this.room(6);
    if (size < 15) this.buf[this.pos++] = (size << 4) | elem;
    else {
      this.buf[this.pos++] = 0xf0 | elem;
      this.varint(size);
    }
    return this;
  }

  /** Opens a struct element of a list. */
  item(): this {
    this.lastIds.push(0);
    return this;
  }

  /** An i32 element of a list. */
  itemI32(v: number): this {
    return this.varint(zigzag(v));
  }

  /** A binary/string element of a list. */
  itemBinary(v: Uint8Array | string): this {
    return this.rawBinary(v);
  }

  /** Bytes encoded elsewhere (a whole struct element of an open list). */
  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** Closes the innermost struct (or the message). */
  end(): this {
    this.room(1);
    this.buf[this.pos++] = 0;
    this.lastIds.pop();
    return this;
  }

  private field(id: number, type: number): this {
    const last = this.lastIds[this.lastIds.length - 1]!;
    const delta = id - last;
    this.room(4);
    if (delta > 0 && delta <= 15) this.buf[this.pos++] = (delta << 4) | type;
    else {
      this.buf[this.pos++] = type;
      this.varint(zigzag(id));
    }
    this.lastIds[this.lastIds.length - 1] = id;
    return this;
  }

  private rawBinary(v: Uint8Array | string): this {
    const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    this.varint(bytes.length);
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  private varint(v: number): this {
    this.room(8);
    this.pos = putVarint(this.buf, this.pos, v);
    return this;
  }

  private varint64(v: bigint): this {
    this.room(10);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
    return this;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

/** ULEB128 of a non-negative integer (up to 2^53) at `pos`; returns the position after it. */
export function putVarint(out: Uint8Array, pos: number, v: number): number {
  while (v > 0x7f) {
    out[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

/** Zigzag of an integer (up to 2^52 in size): 0, -1, 1, -2 ... -> 0, 1, 2, 3 ... */
export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function zigzag64(v: bigint): bigint {
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
}
