/**
 * Text of stored values, read straight from Arrow buffers (no row objects):
 * DATE `yyyy-mm-dd`, DATETIME/TIMESTAMP `yyyy-mm-dd hh:mm:ss[.ffffff]`,
 * DECIMAL exact, BINARY base64, NULL as null; FLOAT and DOUBLE as MySQL
 * prints them (core's formatters: shortest digits, `1e20` past 15 digits).
 */
import { fieldType, formatDate, formatDateTime, formatDecimal, readInt128, type FerryType } from '@ferry/core';
import { formatFloat32, normalizeNumber } from '@ferry/core/values';
import type { Data, Field } from 'apache-arrow';

/** Reads row i of a column as text, or null for NULL. */
export type CellText = (i: number) => string | null;

/** How a column's text goes into JSON: bare (numbers, booleans) or as a JSON string. */
export type JsonKind = 'bare' | 'string';

export interface ColumnFormat {
  name: string;
  type: FerryType;
  json: JsonKind;
  /** Binds the formatter to one batch's column data. */
  bind(data: Data): CellText;
}

function validity(data: Data): (i: number) => boolean {
  const bits = data.nullBitmap;
  if (!bits || data.nullCount === 0 || bits.length === 0) return () => true;
  const off = data.offset;
  return (i) => ((bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1) === 1;
}

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** The formatter of a stored field. */
export function columnFormat(field: Field): ColumnFormat {
  const type = fieldType(field);
  if (!type) throw new Error(`column ${field.name}: no ferry type for Arrow ${String(field.type)}`);
  const name = field.name;
  const make = (json: JsonKind, bind: (data: Data) => CellText): ColumnFormat => ({ name, type, json, bind });
  switch (type.name) {
    case 'string': case 'varchar': case 'char':
      return make('string', (data) => {
        const valid = validity(data);
        const offs = data.valueOffsets as Int32Array;
        const buf = asBuffer(data.values as Uint8Array);
        const o = data.offset;
        return (i) => (valid(i) ? buf.toString('utf8', offs[o + i]!, offs[o + i + 1]!) : null);
      });
    case 'binary':
      return make('string', (data) => {
        const valid = validity(data);
        const offs = data.valueOffsets as Int32Array;
        const buf = asBuffer(data.values as Uint8Array);
        const o = data.offset;
        return (i) => (valid(i) ? buf.toString('base64', offs[o + i]!, offs[o + i + 1]!) : null);
      });
    case 'boolean':
      return make('bare', (data) => {
        const valid = validity(data);
        const bits = data.values as Uint8Array;
        const o = data.offset;
        return (i) => (valid(i) ? (((bits[(o + i) >> 3]! >> ((o + i) & 7)) & 1) === 1 ? 'true' : 'false') : null);
      });
    case 'bigint': case 'int': case 'smallint': case 'tinyint':
      return make('bare', (data) => {
        const valid = validity(data);
        const vals = data.values as Int32Array | BigInt64Array;
        const o = data.offset;
        return (i) => (valid(i) ? String(vals[o + i]) : null);
      });
    case 'double': case 'float': {
      const f32 = type.name === 'float';
      return make('bare', (data) => {
        const valid = validity(data);
        const vals = data.values as Float64Array | Float32Array;
        const o = data.offset;
        return (i) => (valid(i) ? (f32 ? formatFloat32(vals[o + i]!) : normalizeNumber(String(vals[o + i]!))) : null);
      });
    }
    case 'decimal': {
      const scale = type.scale;
      return make('string', (data) => {
        const valid = validity(data);
        const words = data.values as Uint32Array;
        const o = data.offset;
        return (i) => (valid(i) ? formatDecimal(readInt128(words, (o + i) * 4), scale) : null);
      });
    }
    case 'date':
      return make('string', (data) => {
        const valid = validity(data);
        const vals = data.values as Int32Array;
        const o = data.offset;
        return (i) => (valid(i) ? dateText(vals[o + i]!) : null);
      });
    case 'datetime': case 'timestamp':
      return make('string', (data) => {
        const valid = validity(data);
        const vals = data.values as BigInt64Array;
        // Read the 64-bit values as two 32-bit halves: no BigInt per value on the common path.
        const halves = new Int32Array(vals.buffer, vals.byteOffset, vals.length * 2);
        const o = data.offset;
        return (i) => {
          if (!valid(i)) return null;
          const lo = halves[(o + i) * 2]!;
          const hi = halves[(o + i) * 2 + 1]!;
          // |micros| < 2^53 (years 1685..2255) is exact as a double.
          if (hi >= -0x200000 && hi < 0x200000) return dateTimeText(hi * 4294967296 + (lo >>> 0));
          return formatDateTime(vals[o + i]!);
        };
      });
  }
}

const dayCache = new Map<number, string>();

/** `yyyy-mm-dd` of a day number, cached: exports see the same few days over and over. */
function dateText(days: number): string {
  let s = dayCache.get(days);
  if (s === undefined) {
    if (dayCache.size > 100_000) dayCache.clear();
    s = formatDate(days);
    dayCache.set(days, s);
  }
  return s;
}

const p2 = (n: number) => (n < 10 ? '0' + n : String(n));

/** What formatDateTime prints, from a safe-integer number of microseconds. */
function dateTimeText(micros: number): string {
  const days = Math.floor(micros / 86_400_000_000);
  const rest = micros - days * 86_400_000_000;
  const secs = Math.floor(rest / 1_000_000);
  const frac = rest - secs * 1_000_000;
  const base = `${dateText(days)} ${p2(Math.floor(secs / 3600))}:${p2(Math.floor((secs % 3600) / 60))}:${p2(secs % 60)}`;
  if (frac === 0) return base;
  const digits = String(frac).padStart(6, '0');
  return `${base}.${frac % 1000 === 0 ? digits.slice(0, 3) : digits}`;
}

/** The JSON text of a cell: strings quoted; non-finite floats quoted too ("NaN"), since JSON has no such numbers. */
export function jsonCell(kind: JsonKind, text: string | null): string {
  if (text === null) return 'null';
  if (kind === 'bare') {
    if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return `"${text}"`;
    return text;
  }
  return JSON.stringify(text);
}

const CSV_SPECIAL = /[",\r\n]/;

/** An RFC 4180 field: NULL is empty, an empty string is `""`, special characters are quoted. */
export function csvCell(text: string | null): string {
  if (text === null) return '';
  if (text === '') return '""';
  return CSV_SPECIAL.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
