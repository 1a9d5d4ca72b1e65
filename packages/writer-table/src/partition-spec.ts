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
  for (const c of cols) checkValue(def, c.name, c.type, given.get(c.name)!);
  return specText(names.map((n) => [n, given.get(n)!]));
}

function checkValue(def: TableDef, name: string, type: string, value: string): void {
  if (/^(bigint|int|smallint|tinyint)$/.test(type) && !/^-?\d+$/.test(value)) {
    throw new FerryError(ErrorCodes.CONFIG, `partition ${name}=${value} of table ${tableName(def)}: ${name} is ${type.toUpperCase()}, expected an integer`);
  }
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
  const names = new Set(def.partitionColumns.map((c) => c.name));
  for (const [n] of pairs) {
    if (!names.has(n)) throw new FerryError(ErrorCodes.USAGE, `table ${tableName(def)} has no partition column ${n} (partitioned by ${partitionList(def)})`);
  }
  return (spec) => {
    const have = new Map(specPairs(spec));
    return pairs.every(([n, v]) => have.get(n) === v);
  };
}
