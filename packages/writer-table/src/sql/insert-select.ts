/**
 * `INSERT OVERWRITE|INTO TABLE t [PARTITION (spec)] SELECT ...`: the SELECT
 * runs in DuckDB over the committed files, its columns are cast (by
 * position) to the target table's types, and DuckDB's COPY writes the
 * result as Parquet files (split by size, with per-file null counts as the
 * sync writer records) staged under the write's id in the partition's
 * folder. The store's own write path does the rest: `beginWrite` (pending
 * record and partition lock), fsync of the file and folder, `commitWrite`
 * (one LMDB transaction), or `abortWrite` on failure. A kill -9 leaves a
 * pending write of a dead process, reclaimed by the next open; the old
 * partition stays as it was until the commit.
 */
import { closeSync, fsyncSync, openSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { ErrorCodes, FerryError, parseType } from '@ferry/core';
import { requireTable, type ColumnStats, type DataFile, type TableDef } from '../catalog.js';
import { commitWrite, type CommitResult } from '../commit.js';
import { absPath, ensureDir, fsyncDir, partitionDir, removeFile } from '../files.js';
import { gc } from '../lifecycle.js';
import { abortWrite, beginWrite } from '../pending.js';
import { writeSpec } from '../partition-spec.js';
import type { Store } from '../store.js';
import { duckError, placeInStatement, sqlErrorWithPosition } from './duck-error.js';
import { duckType, ident, listLiteral, literal } from './duck-sql.js';
import { SqlSession } from './session.js';
import type { FunctionDef } from './functions.js';
import type { InsertStatement } from './statements.js';

/** Options of `insertSelect`. */
export interface InsertOptions {
  /** How long to wait for another writer of the same partition (default 0: fail at once). */
  lockWaitMs?: number;
  /**
   * Rows whose value does not fit a column that may be left out (default 0:
   * the first one fails the statement). Above 0 the query runs twice: once
   * to count such rows, once to write the others.
   */
  errorLimit?: number;
  /** Functions of the script only (CREATE TEMPORARY FUNCTION). */
  functions?: FunctionDef[];
  /** IANA time zone of `getdate()`; UTC by default. */
  timeZone?: string;
  /** Parquet bytes per data file, about (DuckDB starts a new file after the row group that passes it). */
  fileBytes?: number;
  signal?: AbortSignal;
}

/**
 * Parquet bytes per data file of an INSERT: DuckDB closes a file after the
 * row group (~120k rows) that passes it, so files are a few times the sync
 * writer's (4 MiB of Arrow data); still many per big partition, so readers
 * skip and parallelise by file as they do for synced partitions.
 */
export const INSERT_FILE_BYTES = 16 * 1024 * 1024;

/** What an INSERT ... SELECT did. */
export interface InsertResult extends CommitResult {
  /** Rows left out because a value did not fit (at most the error limit). */
  rowsRejected: number;
  /** Why the first rows left out were (`column x of p.t: value 'a' does not fit BIGINT`). */
  rejectedSamples: string[];
}

function resolveTarget(store: Store, project: string, name: string): TableDef {
  const dot = name.indexOf('.');
  const proj = dot < 0 ? project : name.slice(0, dot).toLowerCase();
  return requireTable(store, proj, (dot < 0 ? name : name.slice(dot + 1)).toLowerCase());
}

/**
 * The expression that casts result column `source` to a table column's
 * type, failing the statement with the column's name when a value does not
 * fit (DuckDB's own cast error does not say which column).
 */
export function castExpr(source: string, column: { name: string; type: string }, table: string): string {
  const { target, checks } = castChecks(source, column, table);
  return `CASE WHEN ${source} IS NULL THEN NULL ${checks.map(([cond, why]) => `WHEN ${cond} THEN error(${why})`).join(' ')} ELSE TRY_CAST(${source} AS ${target}) END`;
}

/** The conditions under which a value does not fit a column, each with the text saying why. */
function castChecks(source: string, column: { name: string; type: string }, table: string): { target: string; checks: [string, string][] } {
  const t = parseType(column.type, column.name);
  const target = duckType(t);
  const shown = `CAST(${source} AS VARCHAR)`;
  const msg = (why: string) => `${literal(`column ${column.name} of ${table}: value `)} || ${shown} || ${literal(` ${why}`)}`;
  const checks: [string, string][] = [[`TRY_CAST(${source} AS ${target}) IS NULL`, msg(`does not fit ${column.type.toUpperCase()}`)]];
  if ('length' in t) checks.push([`length(CAST(${source} AS VARCHAR)) > ${t.length}`, msg(`is longer than ${t.length} characters (${column.type.toUpperCase()})`)]);
  return { target, checks };
}

/** SQL for "why row q does not fit" (NULL when it fits). */
function rejectReason(def: TableDef, aliases: string[], table: string): string {
  const whens = def.columns.flatMap((c, i) => castChecks(`q.${aliases[i]}`, c, table).checks.map(([cond, why]) => `WHEN q.${aliases[i]} IS NOT NULL AND ${cond} THEN ${why}`));
  return `CASE ${whens.join(' ')} END`;
}

/** Runs one INSERT ... SELECT into the store; returns the commit's report. */
export async function insertSelect(store: Store, project: string, stmt: InsertStatement, opts: InsertOptions = {}): Promise<InsertResult> {
  const def = resolveTarget(store, project, stmt.table);
  const name = `${def.project}.${def.name}`;
  if (stmt.partition === undefined && def.partitionColumns.length > 0) {
    throw new FerryError(
      ErrorCodes.SQL,
      `INSERT into ${name}: the table is partitioned by (${def.partitionColumns.map((c) => c.name).join(', ')}); add PARTITION (${def.partitionColumns.map((c) => `${c.name}='...'`).join(', ')})`,
    );
  }
  let partition: string;
  try {
    partition = writeSpec(def, stmt.partition);
  } catch (err) {
    throw placeInStatement(err, stmt.partitionOffset);
  }
  const w = await beginWrite(store, { project: def.project, table: def.name, partition, tableId: def.id }, { waitMs: opts.lockWaitMs ?? 0, signal: opts.signal });
  try {
    const dir = partitionDir(def.project, def.name, partition);
    const { rows, rejected, samples, files: written } = await copySelect(store, project, def, stmt.select, { dir, prefix: `${w.writeId}-sql-` }, opts);
    let files: DataFile[] = [];
    if (rows > 0) {
      for (const f of written) fsyncFile(absPath(store.dir, f.path));
      fsyncDir(absPath(store.dir, dir));
      files = written;
    } else for (const f of written) removeFile(store.dir, f.path);
    const result = await commitWrite(store, w.writeId, files, stmt.mode);
    // Expired partitions go as after any write (best effort, as the table writer does).
    await gc(store, def.project, { table: def.name }).catch(() => []);
    return { ...result, rowsRejected: rejected, rejectedSamples: samples };
  } catch (err) {
    await abortWrite(store, w.writeId);
    throw err;
  }
}

/**
 * COPY of the cast SELECT into the partition folder as files named
 * `<prefix><n>.parquet`, split by size (a fresh snapshot of the catalog);
 * returns the rows written and left out, and the files with their rows,
 * bytes and null counts per column (as the sync writer records them).
 */
async function copySelect(
  store: Store,
  project: string,
  def: TableDef,
  select: string,
  out: { dir: string; prefix: string },
  opts: InsertOptions,
): Promise<{ rows: number; rejected: number; samples: string[]; files: DataFile[] }> {
  const errorLimit = opts.errorLimit ?? 0;
  const folder = absPath(store.dir, out.dir);
  const session = await SqlSession.open(store, { project, writableDir: folder, functions: opts.functions, timeZone: opts.timeZone });
  try {
    const prepared = await session.prepareQuery(select);
    const query = prepared.text;
    const name = `${def.project}.${def.name}`;
    let width: number;
    const head = 'SELECT * FROM (';
    try {
      width = (await session.connection.run(`${head}${query}\n) LIMIT 0`)).columnCount;
    } catch (err) {
      throw duckError(err, `${head}${query}`, { source: select, toSource: (o) => prepared.toSource(Math.max(0, o - head.length)) });
    }
    if (width !== def.columns.length) {
      // Placed at the SELECT (offset 0 of `select`).
      throw sqlErrorWithPosition(
        ErrorCodes.SQL,
        `INSERT into ${name}: the SELECT gives ${width} column(s), the table has ${def.columns.length} (${def.columns.map((c) => c.name).join(', ')}); partition columns come from PARTITION (...)`,
        select,
        0,
      );
    }
    const aliases = def.columns.map((_, i) => ident(`_c${i}`));
    const cols = def.columns.map((c, i) => `${castExpr(`q.${aliases[i]}`, c, name)} AS ${ident(c.name)}`);
    const from = `FROM (${query}\n) AS q(${aliases.join(', ')})`;
    let where = '';
    let rejected = 0;
    const samples: string[] = [];
    if (errorLimit > 0) {
      const reason = rejectReason(def, aliases, name);
      let reasons: string[];
      try {
        const r = await session.connection.run(`SELECT why FROM (SELECT ${reason} AS why ${from}) WHERE why IS NOT NULL LIMIT ${errorLimit + 1}`);
        reasons = (await r.getRows()).map((row) => String(row[0]));
      } catch (err) {
        throw duckError(err, query, false);
      }
      rejected = reasons.length;
      samples.push(...reasons.slice(0, 3));
      if (rejected > errorLimit) {
        throw new FerryError(ErrorCodes.SQL, `INSERT into ${name}: more than ${errorLimit} row(s) do not fit the table (the error limit), e.g. ${reasons[0]}`);
      }
      if (rejected > 0) where = ` WHERE (${reason}) IS NULL`;
    }
    const cast = `SELECT ${cols.join(', ')} ${from}${where}`;
    ensureDir(store.dir, out.dir);
    // Into the partition folder beside its committed files (OVERWRITE_OR_IGNORE: a folder with files is fine, none of
    // them has the write id's name), under names starting with the write id: what makes a dead write's files findable.
    const size = opts.fileBytes ?? INSERT_FILE_BYTES;
    const sql = `COPY (${cast}) TO ${literal(folder)} (FORMAT parquet, COMPRESSION snappy, FILE_SIZE_BYTES ${size}, FILENAME_PATTERN ${literal(`${out.prefix}{i}`)}, OVERWRITE_OR_IGNORE true, RETURN_FILES true)`;
    try {
      const r = await session.connection.run(sql);
      const row = (await r.getRowsJS())[0] ?? [];
      const paths = ((row[1] as string[] | undefined) ?? []).filter((f) => typeof f === 'string');
      return { rows: Number(row[0] ?? 0), rejected, samples, files: await fileStats(session, out.dir, paths) };
    } catch (err) {
      const e = duckError(err, sql, false);
      // Our own error(): its message names the column; DuckDB prefixes "Invalid Input Error: ".
      throw new FerryError(ErrorCodes.SQL, e.message.replace(/^Invalid Input Error: /, `INSERT into ${name}: `), { cause: err });
    }
  } finally {
    await session.close();
  }
}

/** Rows, bytes and null counts per column of the files DuckDB wrote, from their footers. */
async function fileStats(session: SqlSession, dir: string, paths: string[]): Promise<DataFile[]> {
  if (paths.length === 0) return [];
  const list = listLiteral(paths);
  const rows = new Map<string, number>();
  for (const [f, n] of await (await session.connection.run(`SELECT file_name, num_rows FROM parquet_file_metadata(${list})`)).getRowsJS()) rows.set(String(f), Number(n));
  const nulls = new Map<string, Record<string, ColumnStats>>();
  for (const [f, col, n] of await (await session.connection.run(`SELECT file_name, path_in_schema, sum(stats_null_count) FROM parquet_metadata(${list}) GROUP BY ALL`)).getRowsJS()) {
    const stats = nulls.get(String(f)) ?? {};
    stats[String(col)] = { nulls: Number(n ?? 0) };
    nulls.set(String(f), stats);
  }
  return paths.map((p) => ({ path: `${dir}/${basename(p)}`, rows: rows.get(p) ?? 0, bytes: statSync(p).size, stats: nulls.get(p) ?? {} }));
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
