/**
 * `ferry table head` and `ferry table export` over the committed Parquet
 * files: head through a DuckDB session (stable order, aligned by display
 * width), export with DuckDB's COPY (CSV, JSON Lines, Parquet) or an Arrow
 * IPC stream decoded from the files. DuckDB and parquet-wasm are loaded
 * only here (they take a while to load; other commands do not pay it).
 */
import { createWriteStream, rmSync } from 'node:fs';
import { ErrorCodes, FerryError } from '@ferry/core';
import { requireTable, type Store } from '@ferry/writer-table';

/** The formats `table export` writes. */
export const TABLE_EXPORT_FORMATS = ['jsonl', 'csv', 'parquet', 'arrow'] as const;
export type TableExportFormat = (typeof TABLE_EXPORT_FORMATS)[number];

/** The text `table head` prints. */
export async function headOutput(store: Store, project: string, table: string, opts: { partition?: string; n: number }): Promise<string> {
  requireTable(store, project, table);
  const { headTable } = await import('@ferry/writer-table/sql');
  return headTable(store, project, table, opts);
}

/** Options of `exportTable`. */
export interface TableExportOptions {
  format: TableExportFormat;
  partition?: string;
  output?: string;
  limit?: number;
}

/** Runs `table export`; returns the row count. A failure leaves no output file. */
export async function exportTable(store: Store, project: string, table: string, opts: TableExportOptions): Promise<number> {
  requireTable(store, project, table);
  if (opts.format !== 'arrow') {
    const { copyExport } = await import('@ferry/writer-table/sql');
    return (await copyExport(store, project, table, { format: opts.format as 'csv' | 'jsonl' | 'parquet', partition: opts.partition, output: opts.output, limit: opts.limit })).rows;
  }
  const run = async (out: NodeJS.WritableStream, signal?: AbortSignal) => {
    const { arrowExport } = await import('@ferry/writer-table/sql');
    return (await arrowExport(store, project, table, { partition: opts.partition, out: out as never, limit: opts.limit, signal })).rows;
  };
  if (opts.output) {
    const file = createWriteStream(opts.output);
    await new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject)).catch((err: Error) => {
      throw new FerryError(ErrorCodes.USAGE, `cannot write ${opts.output}: ${err.message}`);
    });
    try {
      const rows = await run(file);
      await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
      return rows;
    } catch (err) {
      file.destroy();
      rmSync(opts.output, { force: true });
      throw err;
    }
  }
  // A closed pipe (`| head`) ends the export quietly.
  const stop = new AbortController();
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stop.abort();
  };
  process.stdout.on('error', onError);
  try {
    return await run(process.stdout, stop.signal);
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    return 0;
  } finally {
    process.stdout.off('error', onError);
  }
}
