/**
 * Export as a library call: JSON Lines, CSV (RFC 4180) or an Arrow IPC
 * stream of a table's committed rows, written to a Node Writable. The same
 * paths as `ferry table export`: DuckDB's COPY for text (the text rules:
 * DECIMAL and BIGINT exact, DATE `yyyy-mm-dd`, BINARY base64, NULL vs empty
 * string), the Parquet files decoded batch by batch for Arrow. DuckDB loads
 * on the first call only. Partition columns come after the data columns.
 */
import type { Writable } from 'node:stream';
import { ErrorCodes, FerryError } from '@ferry/core';
import type { Store } from './store.js';

export type ExportFormat = 'jsonl' | 'csv' | 'arrow';
export const EXPORT_FORMATS: ExportFormat[] = ['jsonl', 'csv', 'arrow'];

export interface ExportOptions {
  format: ExportFormat;
  /** A partition spec selecting what to export. */
  partition?: string;
  out: Writable;
  signal?: AbortSignal;
  /** Stop after this many rows. */
  limit?: number;
}

/** Streams a table's rows out; returns how many were written. */
export async function exportRows(store: Store, project: string, table: string, opts: ExportOptions): Promise<{ rows: number }> {
  if (!EXPORT_FORMATS.includes(opts.format)) throw new FerryError(ErrorCodes.USAGE, `unknown export format ${JSON.stringify(opts.format)} (expected ${EXPORT_FORMATS.join(', ')})`);
  if (opts.format === 'arrow') {
    const { arrowExport } = await import('./sql/arrow-export.js');
    return arrowExport(store, project, table, { partition: opts.partition, out: opts.out, limit: opts.limit, signal: opts.signal });
  }
  const { copyExport } = await import('./sql/export-copy.js');
  return copyExport(store, project, table, { format: opts.format, partition: opts.partition, limit: opts.limit, stdout: opts.out });
}

/** The first `n` rows as a readable table (NULL shown as NULL), as `ferry table head` prints them. */
export async function headText(store: Store, project: string, table: string, opts: { partition?: string; n?: number } = {}): Promise<string> {
  const { headTable } = await import('./sql/head.js');
  return headTable(store, project, table, { partition: opts.partition, n: opts.n ?? 10 });
}
