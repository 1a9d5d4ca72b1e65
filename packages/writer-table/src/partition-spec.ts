/**
 * Partition specs: `dt=20240620`, `dt=20240620,hh=01` or `dt=20240620/hh=01`
 * on input; `dt=20240620/hh=01` (in the table's column order) as the
 * canonical form used in keys and output.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import type { TableDef } from './catalog.js';

/** `[column, value]` pairs in the order written. */
export type SpecPairs = [string, string][];

const BAD_VALUE = /[/,=\u0000-\u001f]/;

/** Parses `a=1,b=2` / `a=1/b=2` (values may be quoted: `dt='20240620'`). */
export function parseSpec(text: string, where = 'partition'): SpecPairs {
  const trimmed = text.trim();
  if (!trimmed) throw new FerryError(ErrorCodes.USAGE, `${where}: empty partition spec (expected name=value, as in dt=20240620)`);
  const pairs: SpecPairs = [];
  for (const part of trimmed.split(/[,/]/)) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new FerryError(ErrorCodes.USAGE, `${where}: ${JSON.stringify(part.trim())} is not name=value in partition spec ${JSON.stringify(text)}`);
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (/^(['"]).*\1$/.test(value) && value.length >= 2) value = value.slice(1, -1);
    if (value === '' || BAD_VALUE.test(value)) {
      throw new FerryError(ErrorCodes.USAGE, `${where}: partition value of ${name} must be non-empty without '/', ',', '=' or control characters, got ${JSON.stringify(value)}`);
    }
    if (value.length > 128 || name.length > 128) {
      throw new FerryError(
        ErrorCodes.USAGE,
        `${where}: partition ${name.length > 128 ? 'column name' : `value of ${name}`} is ${Math.max(name.length, value.length)} characters long; at most 128 are allowed`,
      );
    }
    if (pairs.some(([n]) => n === name)) throw new FerryError(ErrorCodes.USAGE, `${where}: partition column ${name} given twice in ${JSON.stringify(text)}`);
    pairs.push([name, value]);
  }
  return pairs;
}

/** The canonical spec text of pairs. */
export function specText(pairs: SpecPairs): string {
  return pairs.map(([n, v]) => `${n}=${v}`).join('/');
}

/** Pairs of a canonical spec text. */
export function specPairs(spec: string): SpecPairs {
  if (!spec) return [];
  return spec.split('/').map((p) => {
    const eq = p.indexOf('=');
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
}

function tableName(def: TableDef): string {
  return `${def.project}.${def.name}`;
}

/** The partition columns as `dt, hh` for messages. */
function partitionList(def: TableDef): string {
  return def.partitionColumns.map((c) => c.name).join(', ');
}

/**
 * The canonical spec of the one partition a write targets. The spec must
 * name exactly the table's partition columns; a partitioned table needs one
 * and an unpartitioned table refuses one.
 */
export function writeSpec(def: TableDef, text: string | undefined): string {
  const cols = def.partitionColumns;
  if (cols.length === 0) {
    if (text !== undefined && text.trim() !== '') {
      throw new FerryError(ErrorCodes.CONFIG, `table ${tableName(def)} is not partitioned, but a partition was given (${JSON.stringify(text)}); remove "partition"`);
    }
    return '';
  }
  if (text === undefined || text.trim() === '') {
    throw new FerryError(ErrorCodes.CONFIG, `table ${tableName(def)} is partitioned by (${partitionList(def)}): give "partition", as in ${cols.map((c) => `${c.name}=...`).join(',')}`);
  }
  const pairs = parseSpec(text);
  const given = new Map(pairs);
  const names = cols.map((c) => c.name);
  if (pairs.length !== cols.length || !names.every((n) => given.has(n))) {
    throw new FerryError(
      ErrorCodes.CONFIG,
      `partition ${JSON.stringify(text)} does not match table ${tableName(def)}, which is partitioned by (${partitionList(def)}); give all of them, as in ${names.map((n) => `${n}=...`).join(',')}`,
    );
  }
  return specText(cols.map((c) => [c.name, canonicalValue(def, c.name, c.type, given.get(c.name)!)]));
}

const INT_BITS: Record<string, number> = { bigint: 64, int: 32, smallint: 16, tinyint: 8 };

/**
 * The canonical text of a partition value: integers range-checked for the
 * column type and written without sign or leading zeros (`dt=00012` and
 * `dt=12` are one partition); other types as given.
 */
export function canonicalValue(def: TableDef, name: string, type: string, value: string, code: typeof ErrorCodes.CONFIG | typeof ErrorCodes.USAGE = ErrorCodes.CONFIG): string {
  const bits = INT_BITS[type.toLowerCase()];
  if (bits === undefined) return value;
  if (!/^[+-]?\d+$/.test(value)) {
    throw new FerryError(code, `partition ${name}=${value} of table ${tableName(def)}: ${name} is ${type.toUpperCase()}, expected an integer`);
  }
  const n = BigInt(value);
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (n > max || n < -max - 1n) {
    throw new FerryError(code, `partition ${name}=${value} of table ${tableName(def)}: out of range for ${type.toUpperCase()} (${-max - 1n} to ${max})`);
  }
  return n.toString();
}

/**
 * A filter for reads: the spec may name some of the partition columns
 * (`dt=20240620` on a dt,hh table matches every hour of that day).
 */
export function readFilter(def: TableDef, text: string | undefined): (spec: string) => boolean {
  if (text === undefined || text.trim() === '') return () => true;
  if (def.partitionColumns.length === 0) {
    throw new FerryError(ErrorCodes.USAGE, `table ${tableName(def)} is not partitioned; remove --partition`);
  }
  const pairs = parseSpec(text);
  const types = new Map(def.partitionColumns.map((c) => [c.name, c.type]));
  for (const pair of pairs) {
    const type = types.get(pair[0]);
    if (type === undefined) throw new FerryError(ErrorCodes.USAGE, `table ${tableName(def)} has no partition column ${pair[0]} (partitioned by ${partitionList(def)})`);
    pair[1] = canonicalValue(def, pair[0], type, pair[1], ErrorCodes.USAGE);
  }
  return (spec) => {
    const have = new Map(specPairs(spec));
    return pairs.every(([n, v]) => have.get(n) === v);
  };
}
