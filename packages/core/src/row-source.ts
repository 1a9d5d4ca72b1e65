/**
 * Where a row came from, so a dirty record can be found at its source: a
 * text file and the line an editor shows (1-based, header lines counted), or
 * a table and the row's key. Readers attach a locator to each batch they
 * yield; the engine asks it only for dirty rows, so the hot path pays one
 * property write per batch.
 */
import type { RecordBatch } from 'apache-arrow';

/**
 * A row's source position. Text readers: `{file, line}`; when a split starts
 * inside a file, `fromByte` is its start and `line` counts from the first
 * line that starts after it (`ferry dirty show` turns that into the file's
 * line number). MySQL: `{table, <key column>: value}` or `{query, row}`.
 */
export type RowSource = Record<string, string | number | boolean | null>;

/** Finds the source of row `row` (0-based) of a batch. */
export type RowLocator = (row: number) => RowSource | undefined;

// Symbol.for: a plugin may load its own copy of @ferry/core; the key is the same in every copy.
const KEY = Symbol.for('ferry.rowSource');

/** Attaches a locator to a batch a reader yields. */
export function setRowSource<T extends RecordBatch>(batch: T, locate: RowLocator): T {
  (batch as unknown as Record<symbol, RowLocator>)[KEY] = locate;
  return batch;
}

/** The locator a reader attached to a batch, if any. */
export function rowSourceOf(batch: RecordBatch): RowLocator | undefined {
  return (batch as unknown as Record<symbol, RowLocator | undefined>)[KEY];
}

/** One line for messages: `/data/a.csv:12`, `/data/a.csv: line 3 after byte 1048576`, `table db.t id=5`. */
export function describeRowSource(src: RowSource): string {
  if (typeof src.file === 'string') {
    if (typeof src.fromByte === 'number' && src.fromByte > 0) return `${src.file}: line ${src.line} after byte ${src.fromByte}`;
    return `${src.file}:${src.line}`;
  }
  return Object.entries(src)
    .map(([k, v]) => (k === 'table' || k === 'query' ? `${k} ${v}` : `${k}=${typeof v === 'string' ? JSON.stringify(v) : v}`))
    .join(' ');
}
