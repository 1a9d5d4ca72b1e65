/**
 * Writes query results in ferry sql's output formats: `table` (aligned by
 * display width, NULL shown as NULL, at most `limit` rows shown), `csv`
 * (RFC 4180: NULL empty, '' as ""), `jsonl` (one object per row) and `json`
 * (one array of objects). Rows stream through chunk by chunk, except the
 * shown rows of `table`, which are kept to measure the column widths.
 */
import type { Writable } from 'node:stream';
import type { DuckDBResult } from '@duckdb/node-api';
import { csvCell, jsonCell } from '../value-format.js';
import { cellDisplay, textGrid } from './display-width.js';
import { resultColumns } from './result-text.js';
import { put } from '../stream-out.js';

/** The output formats of `ferry sql`. */
export type SqlFormat = 'table' | 'csv' | 'jsonl' | 'json';
export const SQL_FORMATS: SqlFormat[] = ['table', 'csv', 'jsonl', 'json'];

/** Options of `writeResult`. */
export interface WriteResultOptions {
  format: SqlFormat;
  /** Rows shown by the table format (all rows are still counted). */
  limit?: number;
}

/** Streams one result to `out`; returns its row count. */
export async function writeResult(result: DuckDBResult, out: Writable, opts: WriteResultOptions): Promise<number> {
  const cols = resultColumns(result.deduplicatedColumnNames(), result.columnTypes());
  const limit = opts.limit ?? Infinity;
  const shown: string[][] = [];
  const keys = cols.map((c) => JSON.stringify(c.name) + ':');
  let rows = 0;
  let text = '';
  if (opts.format === 'csv') text += cols.map((c) => csvCell(c.name)).join(',') + '\r\n';
  if (opts.format === 'json') text += '[';
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    const values = cols.map((_, c) => chunk.getColumnValues(c));
    for (let i = 0; i < n; i++, rows++) {
      switch (opts.format) {
        case 'table':
          if (shown.length < limit) shown.push(cols.map((c, k) => cellDisplay(c.text(values[k]![i]!))));
          break;
        case 'csv':
          text += cols.map((c, k) => csvCell(c.text(values[k]![i]!))).join(',') + '\r\n';
          break;
        default: {
          let obj = '{';
          for (let k = 0; k < cols.length; k++) obj += (k ? ',' : '') + keys[k] + jsonCell(cols[k]!.json, cols[k]!.text(values[k]![i]!));
          obj += '}';
          text += opts.format === 'json' ? (rows ? ',\n' : '\n') + obj : obj + '\n';
        }
      }
    }
    if (text.length > 1 << 16) {
      await put(out, text);
      text = '';
    }
  }
  if (opts.format === 'json') text += rows ? '\n]\n' : ']\n';
  if (opts.format === 'table') {
    text += textGrid(
      cols.map((c) => c.name),
      shown,
    );
    text += rows > shown.length ? `(${rows} rows, first ${shown.length} shown; --limit to show more)\n` : `(${rows} row${rows === 1 ? '' : 's'})\n`;
  }
  if (text) await put(out, text);
  return rows;
}
