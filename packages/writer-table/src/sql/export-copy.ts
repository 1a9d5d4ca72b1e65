/**
 * `ferry table export` for CSV, JSON Lines and Parquet: DuckDB's COPY over
 * the table's committed files (the partitions a spec selects), with column
 * expressions that keep ferry's text rules, written straight to the output
 * file (through a temporary name renamed into place, so a failure leaves
 * nothing half-written) or to stdout.
 */
import { createReadStream, fstatSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
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
  /** Where stdout goes when there is no output file (default process.stdout). */
  stdout?: NodeJS.WritableStream;
  /** Stop after this many rows. */
  limit?: number;
}

const COPY_OPTIONS: Record<CopyFormat, string> = {
  csv: `FORMAT csv, HEADER true, NEW_LINE e'\\r\\n'`,
  jsonl: 'FORMAT json',
  parquet: 'FORMAT parquet',
};

/**
 * DuckDB can write to stdout through /dev/stdout when it is a pipe or a
 * terminal. A socket (Node's child_process pipes) cannot be opened that way,
 * and opening a redirected file would truncate it (`>>`): then the export
 * goes through a temporary file copied to stdout.
 */
function stdoutOpenable(): boolean {
  try {
    const st = fstatSync(1);
    return st.isFIFO() || st.isCharacterDevice();
  } catch {
    return false;
  }
}

/** Exports a table with DuckDB's COPY; returns the row count. */
export async function copyExport(store: Store, project: string, table: string, opts: CopyExportOptions): Promise<{ rows: number }> {
  if (opts.output !== undefined) {
    // A temporary name beside the output, renamed into place: a failure leaves nothing half-written.
    const tmp = join(dirname(resolve(opts.output)), `.${basename(opts.output)}.${process.pid}.tmp`);
    try {
      const rows = await copyTo(store, project, table, opts, tmp);
      renameSync(tmp, opts.output);
      return rows;
    } catch (err) {
      rmSync(tmp, { force: true });
      const message = err instanceof Error ? err.message : String(err);
      if (/^(IO|Permission) Error/.test(message)) throw new FerryError(ErrorCodes.USAGE, `cannot write ${opts.output}: ${message.split('\n')[0]}`);
      throw err;
    }
  }
  if (opts.stdout === undefined && stdoutOpenable()) {
    try {
      return await copyTo(store, project, table, opts, '/dev/stdout');
    } catch (err) {
      // A closed pipe (`| head`) ends an export to stdout quietly.
      if (/broken pipe|EPIPE/i.test(err instanceof Error ? err.message : String(err))) return { rows: 0 };
      throw err;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'ferry-export-'));
  try {
    const tmp = join(dir, `out.${opts.format}`);
    const rows = await copyTo(store, project, table, opts, tmp);
    await pipeline(createReadStream(tmp), opts.stdout ?? process.stdout, { end: false });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** COPY of the table's rows (text rules applied) to `target`, which DuckDB is allowed to write. */
async function copyTo(store: Store, project: string, table: string, opts: CopyExportOptions, target: string): Promise<{ rows: number }> {
  const session = await SqlSession.open(store, { project, writable: [target] });
  try {
    const t = session.requireTable(table);
    const keep = readFilter(t.def, opts.partition);
    const column = opts.format === 'csv' ? csvText : opts.format === 'jsonl' ? jsonText : asStored;
    let select = tableSelect(t, { partitions: t.partitions.filter((p) => keep(p.spec)), column });
    if (opts.limit !== undefined) select = `SELECT * FROM (${select}) LIMIT ${opts.limit}`;
    const sql = `COPY (${select}) TO ${literal(target)} (${COPY_OPTIONS[opts.format]}, USE_TMP_FILE false)`;
    try {
      const result = await session.connection.run(sql);
      return { rows: Number((await result.getRows())[0]?.[0] ?? 0) };
    } catch (err) {
      if (/^(IO|Permission) Error/.test(err instanceof Error ? err.message : '')) throw err;
      throw duckError(err, sql);
    }
  } finally {
    await session.close();
  }
}
