/**
 * Text-protocol values straight from the packet bytes into column builders:
 * digits are parsed in place, strings are copied as UTF-8 bytes. No JS string,
 * Date or row object is made per value on the common paths.
 */
import { daysFromCivil, type ColumnBuilder, type DecimalBuilder } from '@ferry/core/channel';
import type { VarBuilder } from '@ferry/core/channel';
import type { DecodeKind } from './column-types.js';

/** Appends the value in bytes [s, e) of `buf` to `b`. */
export type Decoder = (b: ColumnBuilder, buf: Uint8Array, s: number, e: number) => void;

const latin1 = (buf: Uint8Array, s: number, e: number) => Buffer.prototype.latin1Slice.call(buf, s, e) as string;

/** A signed integer of at most 15 digits (exact as a double). */
function smallInt(buf: Uint8Array, s: number, e: number): number {
  let neg = false;
  if (buf[s] === 45) {
    neg = true;
    s++;
  }
  let n = 0;
  for (; s < e; s++) n = n * 10 + (buf[s]! - 48);
  return neg ? -n : n;
}

const d2 = (buf: Uint8Array, i: number) => (buf[i]! - 48) * 10 + (buf[i + 1]! - 48);
const d4 = (buf: Uint8Array, i: number) => (buf[i]! - 48) * 1000 + (buf[i + 1]! - 48) * 100 + (buf[i + 2]! - 48) * 10 + (buf[i + 3]! - 48);

export interface DecoderOptions {
  /** The session time zone offset in seconds: TIMESTAMP text minus it is UTC. */
  tzOffsetSeconds: number;
  /** Called for each zero or invalid date read as NULL. */
  onZeroDate: () => void;
}

const UNSET = -0x80000000;
/** Day number of the first day of each month of years 0..9999 (k = y * 12 + m - 1), filled as met. */
const MONTH_START = new Int32Array(10000 * 12 + 1).fill(UNSET);

function monthStart(k: number): number {
  let v = MONTH_START[k]!;
  if (v === UNSET) {
    v = daysFromCivil(Math.floor(k / 12), (k % 12) + 1, 1);
    MONTH_START[k] = v;
  }
  return v;
}

/** Day number of y-m-d, or undefined for zero dates (month or day 0) and days the month does not have. */
function dayNumber(y: number, m: number, d: number): number | undefined {
  if (m < 1 || m > 12 || d < 1 || y > 9999) return undefined;
  const k = y * 12 + m - 1;
  const start = monthStart(k);
  return d > monthStart(k + 1) - start ? undefined : start + d - 1;
}

/*
 * The most common kinds, by name: batch-assembler.ts calls them directly where it knows the kind (a
 * call V8 can inline), and decoderFor hands them out.
 */
export const decodeInt: Decoder = (b, buf, s, e) => b.append(smallInt(buf, s, e));
export const decodeInt64: Decoder = (b, buf, s, e) => b.append(e - s <= 15 ? smallInt(buf, s, e) : BigInt(latin1(buf, s, e)));
export const decodeBytes: Decoder = (b, buf, s, e) => (b as VarBuilder).appendBytes(buf, s, e);
export function decodeDate(b: ColumnBuilder, buf: Uint8Array, s: number, e: number, opts: DecoderOptions): void {
  const days = e - s === 10 ? dayNumber(d4(buf, s), d2(buf, s + 5), d2(buf, s + 8)) : undefined;
  if (days === undefined) {
    opts.onZeroDate();
    b.appendNull();
  } else b.append(days);
}

const MAX_SAFE_SECONDS = 9_007_199_254; // seconds whose microseconds are still exact doubles

/** The decoder of a column kind. */
export function decoderFor(kind: DecodeKind, opts: DecoderOptions): Decoder {
  switch (kind) {
    case 'int':
      return decodeInt;
    case 'int64':
      return decodeInt64;
    case 'float':
      return (b, buf, s, e) => b.append(Number(latin1(buf, s, e)));
    case 'bool':
      return (b, buf, s) => b.append(buf[s] !== 48);
    case 'decimal':
      return (b, buf, s, e) => {
        const d = b as DecimalBuilder;
        if (e - s <= 15) {
          // At most 15 characters, so at most 15 digits: exact as a double. MySQL
          // prints exactly `scale` fraction digits, so dropping the point scales it.
          let neg = false;
          let n = 0;
          let point = -1;
          for (let i = s; i < e; i++) {
            const c = buf[i]!;
            if (c === 45) neg = true;
            else if (c === 46) point = i;
            else n = n * 10 + (c - 48);
          }
          if ((point < 0 ? 0 : e - point - 1) === d.scale) {
            d.append(BigInt(neg ? -n : n));
            return;
          }
        }
        if (!d.append(latin1(buf, s, e))) throw new Error(`mysql: DECIMAL value ${latin1(buf, s, e)} does not fit decimal(${d.precision},${d.scale})`);
      };
    case 'date':
      return (b, buf, s, e) => decodeDate(b, buf, s, e, opts);
    case 'datetime':
    case 'timestamp': {
      const shift = kind === 'timestamp' ? opts.tzOffsetSeconds : 0;
      return (b, buf, s, e) => {
        const days = e - s >= 19 ? dayNumber(d4(buf, s), d2(buf, s + 5), d2(buf, s + 8)) : undefined;
        if (days === undefined) {
          opts.onZeroDate();
          b.appendNull();
          return;
        }
        const secs = days * 86400 + d2(buf, s + 11) * 3600 + d2(buf, s + 14) * 60 + d2(buf, s + 17) - shift;
        let frac = 0;
        if (e - s > 20) {
          let scale = 1_000_000;
          for (let i = s + 20; i < e && i < s + 26; i++) {
            scale /= 10;
            frac += (buf[i]! - 48) * scale;
          }
        }
        if (secs < MAX_SAFE_SECONDS && secs > -MAX_SAFE_SECONDS) b.append(secs * 1_000_000 + frac);
        else b.append(BigInt(secs) * 1_000_000n + BigInt(frac));
      };
    }
    case 'bytes':
      return decodeBytes;
    case 'geometry':
      // MySQL sends a 4-byte SRID, then standard WKB: readers of WKB want only the latter.
      return (b, buf, s, e) => (b as VarBuilder).appendBytes(buf, e - s >= 4 ? s + 4 : s, e);
    case 'bit':
      return (b, buf, s, e) => {
        if (e - s <= 6) {
          let n = 0;
          for (let i = s; i < e; i++) n = n * 256 + buf[i]!;
          b.append(n);
        } else {
          let n = 0n;
          for (let i = s; i < e; i++) n = (n << 8n) | BigInt(buf[i]!);
          b.append(n);
        }
      };
    case 'null':
      return (b) => b.appendNull();
  }
}

/** Seconds of a `+hh:mm` offset. */
export function offsetSeconds(tz: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(tz);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}
