/**
 * What `ferry ui` shows of the table store: projects, tables with their DDL,
 * partitions (the catalog's figures and lifecycle expiry), the first rows of
 * a partition (`table head`'s reader) and read-only queries (`ferry sql`'s
 * session). DuckDB is loaded on the first preview or query only.
 */
import { ErrorCodes, FerryError, formatBytes } from '@ferry/core';
import { listPartitions, listProjects, listTables, partitionExpiry, requireTable, type Store } from '@ferry/writer-table';

/** A table as listed. */
export interface TableView {
  name: string;
  comment?: string;
  columns: { name: string; type: string; comment?: string }[];
  partitionColumns: { name: string; type: string }[];
  lifecycle?: number;
  ddl: string;
  createdAt: string;
  partitions: number;
  rows: number;
  bytes: number;
  /** `bytes` as people read it. */
  size: string;
}

/** Every project of the store that has tables. */
export function projectsView(store: Store): string[] {
  return listProjects(store).sort();
}

/** The tables of a project with their DDL and totals. */
export function tablesView(store: Store, project: string): TableView[] {
  return listTables(store, project).map((t) => {
    const parts = listPartitions(store, project, t.name);
    return {
      name: t.name,
      ...(t.comment ? { comment: t.comment } : {}),
      columns: t.columns.map((c) => ({ name: c.name, type: c.type.toUpperCase(), ...(c.comment ? { comment: c.comment } : {}) })),
      partitionColumns: t.partitionColumns.map((c) => ({ name: c.name, type: c.type.toUpperCase() })),
      ...(t.lifecycle ? { lifecycle: t.lifecycle } : {}),
      ddl: t.ddl,
      createdAt: t.createdAt,
      partitions: parts.length,
      rows: parts.reduce((n, p) => n + p.rows, 0),
      bytes: parts.reduce((n, p) => n + p.bytes, 0),
      size: formatBytes(
        parts.reduce((n, p) => n + p.bytes, 0),
        true,
      ),
    };
  });
}

/** A partition as listed (`ferry table partitions`, plus when lifecycle drops it). */
export interface PartitionView {
  /** `dt=20240620`, or '' for a table without partitions. */
  spec: string;
  rows: number;
  bytes: number;
  size: string;
  files: number;
  lastModified: string;
  /** When `ferry table gc` may drop it (ISO), for tables with a LIFECYCLE. */
  expires?: string;
}

/** The partitions of a table, in spec order. */
export function partitionsView(store: Store, project: string, table: string): PartitionView[] {
  const def = requireTable(store, project, table);
  return listPartitions(store, project, def.name).map((p) => {
    const exp = partitionExpiry(def, p);
    return {
      spec: p.spec,
      rows: p.rows,
      bytes: p.bytes,
      size: formatBytes(p.bytes, true),
      files: p.files.length,
      lastModified: new Date(p.lastModified).toISOString(),
      ...(exp !== undefined ? { expires: new Date(exp).toISOString() } : {}),
    };
  });
}

/** Rows as text cells (null for NULL). */
export interface RowsView {
  columns: string[];
  rows: (string | null)[][];
  /** More rows followed past the limit. */
  more: boolean;
}

/** The first `n` rows of a table (or of one partition), in `ferry table head`'s order. */
export async function previewRows(store: Store, project: string, table: string, opts: { partition?: string; n: number }): Promise<RowsView> {
  requireTable(store, project, table);
  const { SqlSession, headRows } = await import('@ferry/writer-table/sql');
  const session = await SqlSession.open(store, { project });
  try {
    const { header, rows } = await headRows(session, table, { ...(opts.partition ? { partition: opts.partition } : {}), n: opts.n + 1 });
    return { columns: header, rows: rows.slice(0, opts.n), more: rows.length > opts.n };
  } finally {
    await session.close();
  }
}

/** Limits of one query. */
export interface QueryLimits {
  /** Rows returned per statement (the rest are not read). */
  rows: number;
  /** Time the whole script may take. */
  timeoutMs: number;
}

/** The result of each statement of a script. */
export interface QueryView {
  results: RowsView[];
  elapsedMs: number;
}

/**
 * Runs read-only SQL as `ferry sql` does (one session, one snapshot;
 * anything that would write is refused before it runs), each statement's
 * result cut at `limits.rows`; past `limits.timeoutMs` DuckDB is
 * interrupted and the query fails saying so.
 */
export async function runQuery(store: Store, project: string, sql: string, limits: QueryLimits): Promise<QueryView> {
  const { SqlSession, readResultRows } = await import('@ferry/writer-table/sql');
  const t0 = performance.now();
  const session = await SqlSession.open(store, { project });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    session.connection.interrupt();
  }, limits.timeoutMs);
  try {
    const results: RowsView[] = [];
    for await (const { result } of session.run(sql)) results.push(await readResultRows(result, limits.rows));
    if (timedOut) throw timeLimit(limits);
    return { results, elapsedMs: Math.round(performance.now() - t0) };
  } catch (err) {
    if (timedOut) throw timeLimit(limits);
    throw err;
  } finally {
    clearTimeout(timer);
    await session.close();
  }
}

const timeLimit = (limits: QueryLimits) => new FerryError(ErrorCodes.SQL, `the query ran past the time limit of ${limits.timeoutMs / 1000} s and was stopped (ferry ui --query-timeout)`);
