/**
 * Reading one value out of an Arrow column, by category, as a plain JS value:
 * the source side of the convert step. Works on the raw buffers (with the
 * Data offset), so it allocates only where the value itself is an object.
 */
import { type Data, type Field, Type } from 'apache-arrow';
import { formatDate, formatDateTime, formatDecimal, readInt128 } from './values.js';

export type Category = 'int' | 'float' | 'decimal' | 'string' | 'binary' | 'bool' | 'date' | 'timestamp' | 'time';

/** The category of an Arrow type, or undefined when convert does not handle it. */
export function categoryOf(field: Field): Category | undefined {
  switch (field.type.typeId) {
    case Type.Int:
      return 'int';
    case Type.Float:
      return 'float';
    case Type.Decimal:
      return 'decimal';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return 'binary';
    case Type.Bool:
      return 'bool';
    case Type.Date:
      return 'date';
    case Type.Timestamp:
      return 'timestamp';
    case Type.Time:
      return 'time';
    default:
      return undefined;
  }
}

export type Getter = (row: number) => unknown;

const decoder = new TextDecoder();
const UNIT_TO_MICROS = [1_000_000n, 1_000n, 1n, 0n];

/** A getter for a column: null for nulls, else int -> number|bigint, decimal -> unscaled bigint, date -> days, timestamp -> micros (bigint), time -> text. */
export function makeGetter(data: Data, field: Field): Getter {
  const off = data.offset;
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  const isNull = (i: number) => bitmap !== undefined && (bitmap[(i + off) >> 3]! & (1 << ((i + off) & 7))) === 0;
  const values = data.values as ArrayLike<number | bigint> & ArrayBufferView;
  const t = field.type as { unit?: number; bitWidth?: number; scale?: number; byteWidth?: number };
  switch (field.type.typeId) {
    case Type.Int:
    case Type.Float:
      return (i) => (isNull(i) ? null : values[i + off]);
    case Type.Decimal: {
      const words = data.values as Uint32Array;
      return (i) => (isNull(i) ? null : readInt128(words, (i + off) * 4));
    }
    case Type.Utf8:
    case Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (field.type.typeId === Type.Utf8) return (i) => (isNull(i) ? null : buf.toString('utf8', offsets[i + off]!, offsets[i + off + 1]!));
      return (i) => (isNull(i) ? null : bytes.subarray(offsets[i + off]!, offsets[i + off + 1]!));
    }
    case Type.FixedSizeBinary: {
      const w = t.byteWidth!;
      const bytes = data.values as Uint8Array;
      return (i) => (isNull(i) ? null : bytes.subarray((i + off) * w, (i + off + 1) * w));
    }
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      return (i) => (isNull(i) ? null : (bits[(i + off) >> 3]! & (1 << ((i + off) & 7))) !== 0);
    }
    case Type.Date:
      if (t.unit === 0) return (i) => (isNull(i) ? null : values[i + off]);
      return (i) => (isNull(i) ? null : Math.floor(Number(values[i + off]) / 86_400_000));
    case Type.Timestamp: {
      const unit = t.unit ?? 2;
      if (unit === 3) return (i) => (isNull(i) ? null : (values[i + off] as bigint) / 1000n);
      const mul = UNIT_TO_MICROS[unit]!;
      return (i) => (isNull(i) ? null : BigInt(values[i + off]!) * mul);
    }
    case Type.Time: {
      const unit = t.unit ?? 0;
      return (i) => {
        if (isNull(i)) return null;
        const v = BigInt(values[i + off]!);
        const micros = unit === 0 ? v * 1_000_000n : unit === 1 ? v * 1000n : unit === 2 ? v : v / 1000n;
        return formatDateTime(micros).slice(11);
      };
    }
    default:
      return () => {
        throw new Error(`convert: no reader for Arrow type ${String(field.type)}`);
      };
  }
}

/** Shortest text that reads back as the same float32. */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return normalizeNumber(String(Number(s)));
  }
  return normalizeNumber(String(v));
}

/**
 * Number text as MySQL/MariaDB print a DOUBLE: the shortest digits that read
 * back as the same number, in plain notation, switching to `<digits>e<exp>`
 * only when the decimal exponent is >= 15 or < -15 (`1e15`, `0.00000000015`).
 */
export function normalizeNumber(s: string): string {
  const x = Number(s);
  if (!Number.isFinite(x) || x === 0) return s;
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= 15 || exp < -15) out = `${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${exp}`;
  else if (exp < 0) out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  else if (digits.length <= exp + 1) out = digits + '0'.repeat(exp + 1 - digits.length);
  else out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return neg ? '-' + out : out;
}

/** The canonical text of a value of a category: what a STRING destination receives. */
export function formatValue(v: unknown, cat: Category, field: Field): string {
  switch (cat) {
    case 'int':
      return String(v);
    case 'float':
      return (field.type as { precision?: number }).precision === 2 ? normalizeNumber(String(v)) : formatFloat32(v as number);
    case 'decimal':
      return formatDecimal(v as bigint, (field.type as { scale: number }).scale);
    case 'string':
    case 'time':
      return v as string;
    case 'binary':
      return decoder.decode(v as Uint8Array);
    case 'bool':
      return v ? 'true' : 'false';
    case 'date':
      return formatDate(v as number);
    case 'timestamp': {
      const fsp = field.metadata.get('ferry.fsp');
      return formatDateTime(v as bigint, fsp === undefined ? undefined : Number(fsp));
    }
  }
}

/** A JSON-friendly form of a value for dirty-record files. */
export function jsonValue(v: unknown, cat: Category | undefined, field: Field): unknown {
  if (v === null || v === undefined) return null;
  if (cat === 'binary') return Buffer.from(v as Uint8Array).toString('base64');
  if (cat === undefined) return String(v);
  if (cat === 'string' || cat === 'bool') return v;
  if (cat === 'int' || cat === 'float') return typeof v === 'bigint' ? v.toString() : v;
  return formatValue(v, cat, field);
}
