/**
 * Text <-> value helpers for dates, times and decimals, without Date objects
 * on the hot path. Days count from 1970-01-01; timestamps are microseconds
 * since 1970-01-01 00:00:00 (UTC for TIMESTAMP, wall clock for DATETIME).
 */

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month, day] of a day number. */
export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const p2 = (n: number) => (n < 10 ? '0' + n : String(n));
const p4 = (n: number) => (n < 0 ? '-' + String(-n).padStart(4, '0') : String(n).padStart(4, '0'));

/** `yyyy-mm-dd` of a day number. */
export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${p4(y)}-${p2(m)}-${p2(d)}`;
}

const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const DATETIME_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Day number of `yyyy-mm-dd` (also `yyyymmdd`), or undefined when it is not a real date. */
export function parseDate(text: string): number | undefined {
  let y: number, m: number, d: number;
  const match = DATE_RE.exec(text);
  if (match) {
    y = +match[1]!;
    m = +match[2]!;
    d = +match[3]!;
  } else if (/^\d{8}$/.test(text)) {
    y = +text.slice(0, 4);
    m = +text.slice(4, 6);
    d = +text.slice(6, 8);
  } else return undefined;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return daysFromCivil(y, m, d);
}

/**
 * Microseconds of `yyyy-mm-dd[ hh:mm[:ss[.ffffff]]][Z|+hh:mm]`, or undefined
 * when it is not a real instant. A zone suffix converts to UTC.
 */
export function parseDateTime(text: string): bigint | undefined {
  const m = DATETIME_RE.exec(text);
  if (!m) {
    const days = parseDate(text);
    return days === undefined ? undefined : BigInt(days) * 86_400_000_000n;
  }
  const y = +m[1]!,
    mo = +m[2]!,
    d = +m[3]!;
  const h = m[4] ? +m[4] : 0,
    mi = m[5] ? +m[5] : 0,
    s = m[6] ? +m[6] : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  const frac = m[7] ? Number((m[7] + '000000').slice(0, 6)) : 0;
  let secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    secs -= sign * (+digits.slice(0, 2) * 3600 + +digits.slice(2, 4) * 60);
  }
  return BigInt(secs) * 1_000_000n + BigInt(frac);
}

/**
 * `yyyy-mm-dd hh:mm:ss[.ffffff]` of microseconds. `fsp` fixes the number of
 * fraction digits (MySQL's DATETIME(fsp)); without it the fraction appears
 * only when non-zero, with trailing zeros trimmed to 3 or 6 digits.
 */
export function formatDateTime(micros: bigint, fsp?: number): string {
  let secs = micros / 1_000_000n;
  let frac = Number(micros % 1_000_000n);
  if (frac < 0) {
    frac += 1_000_000;
    secs -= 1n;
  }
  const s = Number(secs);
  const days = Math.floor(s / 86400);
  const rem = s - days * 86400;
  const base = `${formatDate(days)} ${p2(Math.floor(rem / 3600))}:${p2(Math.floor((rem % 3600) / 60))}:${p2(rem % 60)}`;
  const digits = String(frac).padStart(6, '0');
  if (fsp !== undefined) return fsp > 0 ? `${base}.${digits.slice(0, fsp)}` : base;
  if (frac === 0) return base;
  return `${base}.${frac % 1000 === 0 ? digits.slice(0, 3) : digits}`;
}

/** The exact decimal text of an unscaled integer with `scale` digits after the point. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return neg ? '-' + digits : digits;
}

/**
 * The unscaled integer of a decimal text at `scale`, or undefined when the
 * text is not a number or does not fit `precision` digits. Extra fraction
 * digits round half away from zero, as MySQL does.
 */
export function parseDecimal(text: string, precision: number, scale: number): bigint | undefined {
  const m = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (!m[2] && !m[3])) return undefined;
  let intPart = m[2] || '0';
  let fracPart = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  if (exp > 0) {
    const moved = fracPart.padEnd(exp, '0');
    intPart += moved.slice(0, exp);
    fracPart = moved.slice(exp);
  } else if (exp < 0) {
    const moved = intPart.padStart(-exp + 1, '0');
    fracPart = moved.slice(exp) + fracPart;
    intPart = moved.slice(0, exp);
  }
  let unscaled = BigInt(intPart + fracPart.padEnd(scale, '0').slice(0, scale));
  const next = fracPart[scale];
  if (next !== undefined && next >= '5') unscaled += 1n;
  if (unscaled.toString().length > precision) return undefined;
  return m[1] === '-' ? -unscaled : unscaled;
}

/** Reads a 128-bit little-endian two's complement integer from 4 Uint32 words. */
export function readInt128(words: Uint32Array, offset: number): bigint {
  const v = (BigInt(words[offset + 3]!) << 96n) | (BigInt(words[offset + 2]!) << 64n) | (BigInt(words[offset + 1]!) << 32n) | BigInt(words[offset]!);
  return BigInt.asIntN(128, v);
}

/** Writes a 128-bit integer as 4 little-endian Uint32 words. */
export function writeInt128(words: Uint32Array, offset: number, value: bigint): void {
  const v = BigInt.asUintN(128, value);
  words[offset] = Number(v & 0xffffffffn);
  words[offset + 1] = Number((v >> 32n) & 0xffffffffn);
  words[offset + 2] = Number((v >> 64n) & 0xffffffffn);
  words[offset + 3] = Number((v >> 96n) & 0xffffffffn);
}
