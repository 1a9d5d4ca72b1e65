/**
 * `ferry table export` for CSV, JSON Lines and Parquet: DuckDB's COPY over
 * the table's committed files (the partitions a spec selects), with column
 * expressions that keep ferry's text rules, written straight to the output
 * file (through a temporary name renamed into place, so a failure leaves
 * nothing half-written) or to stdout.
 */
import { renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes, FerryError } from '@ferry/core';
import { readFilter } from '../partition-spec.js';
import type { Store } from '../store.js';
import { duckError } from './duck-error.js';
import { literal } from './duck-sql.js';
import { SqlSession } from './session.js';
import { csvText, jsonText } from './text-columns.js';
import { asStored, tableSelect } from './views.js';

/** Formats DuckDB's COPY writes. */
export type CopyFormat = 'csv' | 'jsonl' | 'parquet';

/** Options of `copyExport`. */
export interface CopyExportOptions {
  format: CopyFormat;
  /** A partition spec selecting what to export. */
  partition?: string;
  /** The output file, or undefined for stdout. */
  output?: string;
  /** Stop after this many rows. */
  limit?: number;
}

const COPY_OPTIONS: Record<CopyFormat, string> = {
  csv: `FORMAT csv, HEADER true, NEW_LINE e'\\r\\n'`,
  jsonl: 'FORMAT json',
  parquet: 'FORMAT parquet',
};

/** Exports a table with DuckDB's COPY; returns the row count. */
export async function copyExport(store: Store, project: string, table: string, opts: CopyExportOptions): Promise<{ rows: number }> {
  const target = opts.output === undefined ? '/dev/stdout' : join(dirname(opts.output), `.${basename(opts.output)}.${process.pid}.tmp`);
  const session = await SqlSession.open(store, { project, writable: [target] });
  try {
    const t = session.requireTable(table);
    const keep = readFilter(t.def, opts.partition);
    const column = opts.format === 'csv' ? csvText : opts.format === 'jsonl' ? jsonText : asStored;
    let select = tableSelect(t, { partitions: t.partitions.filter((p) => keep(p.spec)), column });
    if (opts.limit !== undefined) select = `SELECT * FROM (${select}) LIMIT ${opts.limit}`;
    const sql = `COPY (${select}) TO ${literal(target)} (${COPY_OPTIONS[opts.format]}, USE_TMP_FILE false)`;
    let rows: number;
    try {
      const result = await session.connection.run(sql);
      rows = Number((await result.getRows())[0]?.[0] ?? 0);
    } catch (err) {
      if (opts.output !== undefined) rmSync(target, { force: true });
      const message = err instanceof Error ? err.message : String(err);
      // A closed pipe (`| head`) ends an export to stdout quietly.
      if (opts.output === undefined && /broken pipe|EPIPE/i.test(message)) return { rows: 0 };
      if (opts.output !== undefined && /^(IO|Permission) Error/.test(message)) throw new FerryError(ErrorCodes.USAGE, `cannot write ${opts.output}: ${message.split('\n')[0]}`);
      throw duckError(err, sql);
    }
    if (opts.output !== undefined) renameSync(target, opts.output);
    return { rows };
  } finally {
    await session.close();
  }
}
