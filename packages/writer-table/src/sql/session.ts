/**
 * A DuckDB session over a store: takes the read lease, reads the catalog
 * once, and gives each table a view (`project.table`, and the bare name for
 * tables of the current project) over its committed Parquet files. Views are
 * made when a statement first names their table, so a store with many
 * partitions costs little for the tables a query does not name. Read-only:
 * every statement's type is checked before it runs, and DuckDB may open no
 * file but the committed ones.
 */
import { DuckDBInstance, StatementType, type DuckDBConnection, type DuckDBExtractedStatements, type DuckDBPreparedStatement, type DuckDBResult } from '@duckdb/node-api';
import { ErrorCodes, FerryError } from '@ferry/core';
import { acquireReadLease, type ReadLease } from '../read-lease.js';
import type { Store } from '../store.js';
import { readSnapshot, type CatalogSnapshot, type SnapshotTable } from './catalog-snapshot.js';
import { duckError } from './duck-error.js';
import { ident, listLiteral, literal } from './duck-sql.js';
import { listFunctions, type FunctionDef } from './functions.js';
import { macroScript, rewriteMaxCompute } from './maxcompute.js';
import { quotePartitionLiterals } from './partition-literals.js';
import { compose, insertionsOnly, type MappedText } from './text-edits.js';
import { checkExplained, checkLeadingWords, checkReadOnly } from './read-only.js';
import { tableSelect } from './views.js';

/** Options of `openSqlSession`. */
export interface SqlSessionOptions {
  /** The current project: its tables answer to bare names. */
  project: string;
  /** Files DuckDB may write besides reading the committed ones (an export's output). */
  writable?: string[];
  /** A folder DuckDB may write files in and read them back (an INSERT's partition folder). */
  writableDir?: string;
  /** Functions of this script only (CREATE TEMPORARY FUNCTION), besides the store's. */
  functions?: FunctionDef[];
  /** IANA time zone of `getdate()` (a workspace's); UTC by default. */
  timeZone?: string;
}

/** A text as DuckDB is to run it, and the way back to the text the user wrote. */
export interface PreparedText extends MappedText {
  source: string;
}

/** One statement of a script and its (streamed) result. */
export interface StatementResult {
  /** The statement text as DuckDB split it. */
  sql: string;
  result: DuckDBResult;
}

// Statements that list tables without naming one need every view.
const LISTS_TABLES = /\b(show|describe|summarize|information_schema|duckdb_tables|duckdb_views|duckdb_columns|pragma)\b/i;

/** A query session over one consistent snapshot of the store. */
export class SqlSession {
  private readonly made = new Set<string>();
  /** User functions by lower-case name (several projects may have one). */
  private readonly functions = new Map<string, FunctionDef[]>();
  private timeZone: string | undefined;

  private constructor(
    readonly store: Store,
    readonly project: string,
    readonly snapshot: CatalogSnapshot,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly lease: ReadLease,
  ) {}

  /** Takes the read lease, reads the catalog, starts DuckDB locked to the committed files. */
  static async open(store: Store, opts: SqlSessionOptions): Promise<SqlSession> {
    const lease = await acquireReadLease(store);
    let instance: DuckDBInstance | undefined;
    try {
      const snapshot = readSnapshot(store);
      instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const projects = new Set([opts.project, ...[...snapshot.tables.values()].map((t) => t.def.project)]);
      for (const p of projects) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${ident(p)}`);
      const files = [...snapshot.tables.values()].flatMap((t) => t.partitions.flatMap((p) => p.files.map((f) => f.path)));
      files.push(...(opts.writable ?? []), ...(opts.writableDir ? [opts.writableDir] : []));
      // DuckDB may read the committed files and nothing else (no other file, no extension download), for good.
      await connection.run(`SET search_path = ${literal(`${opts.project},main`)}`);
      await connection.run(`SET TimeZone = 'UTC'`);
      // Errors with the byte position of the fault: mapped back to the user's text (duck-error.ts).
      await connection.run('SET errors_as_json = true');
      if (files.length) await connection.run(`SET allowed_paths = ${listLiteral(files)}`);
      if (opts.writableDir) await connection.run(`SET allowed_directories = ${listLiteral([opts.writableDir])}`);
      await connection.run(`SET enable_external_access = false`);
      await connection.run(`SET lock_configuration = true`);
      const session = new SqlSession(store, opts.project, snapshot, instance, connection, lease);
      session.timeZone = opts.timeZone;
      for (const f of [...listFunctions(store), ...(opts.functions ?? [])]) session.addFunction(f);
      return session;
    } catch (err) {
      instance?.closeSync();
      await lease.release();
      throw err;
    }
  }

  /** The snapshot's table for `name` (`table` in the current project, or `project.table`), or undefined. */
  findTable(name: string): SnapshotTable | undefined {
    const key = name.toLowerCase();
    return this.snapshot.tables.get(key.includes('.') ? key : `${this.project}.${key}`);
  }

  /** The snapshot's table for `name`, or a FerryError naming what exists. */
  requireTable(name: string): SnapshotTable {
    const t = this.findTable(name);
    if (t) return t;
    const mine = [...this.snapshot.tables.values()].filter((x) => x.def.project === this.project).map((x) => x.def.name);
    const hint = mine.length ? ` (tables there: ${mine.slice(0, 10).join(', ')}${mine.length > 10 ? ', ...' : ''})` : ' (the project has no tables)';
    throw new FerryError(ErrorCodes.NOT_FOUND, `table ${name} does not exist in project ${this.project} of store ${this.store.dir}${hint}`);
  }

  /** Makes the view of a table if not made yet. */
  async ensureView(table: SnapshotTable): Promise<void> {
    const key = `${table.def.project}.${table.def.name}`;
    if (this.made.has(key)) return;
    await this.connection.run(`CREATE VIEW ${ident(table.def.project)}.${ident(table.def.name)} AS ${tableSelect(table)}`);
    this.made.add(key);
  }

  private addFunction(f: FunctionDef): void {
    const list = (this.functions.get(f.name) ?? []).filter((g) => g.project !== f.project);
    this.functions.set(f.name, [...list, f]);
  }

  /**
   * Makes a user function's macro (after the views and functions its body
   * names: DuckDB binds the body when the macro is made). Throws a
   * FerryError naming the function when its body no longer binds.
   */
  async defineFunction(f: FunctionDef, seen = new Set<string>()): Promise<void> {
    const key = `fn:${f.project}.${f.name}`;
    if (this.made.has(key) || seen.has(key)) return;
    seen.add(key);
    this.addFunction(f);
    const body = rewriteMaxCompute(f.body);
    await this.viewsFor(body.text, seen);
    const sql = `CREATE OR REPLACE MACRO ${ident(f.project)}.${ident(f.name)}(${f.params.map(ident).join(', ')}) AS ${body.text}`;
    try {
      await this.connection.run(sql);
    } catch (err) {
      const at = sql.length - body.text.length;
      throw duckError(err, sql, { source: f.body, toSource: (o) => body.toSource(Math.max(0, o - at)) });
    }
    this.made.add(key);
  }

  /** Names of the STRING partition columns of every table (see partition-literals.ts). */
  private stringPartitionColumns(): string[] {
    const out: string[] = [];
    for (const t of this.snapshot.tables.values()) {
      for (const c of t.def.partitionColumns) if (/^(string|varchar|char)\b/i.test(c.type)) out.push(c.name);
    }
    return out;
  }

  /** Makes the views of the tables a script may name: every word of it that is a table name (every view when it lists tables). */
  private async viewsFor(script: string, seen = new Set<string>()): Promise<void> {
    const all = LISTS_TABLES.test(script);
    const words = new Set<string>();
    for (const m of script.matchAll(/"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)/g)) words.add((m[1]?.replace(/""/g, '"') ?? m[2]!).toLowerCase());
    for (const t of this.snapshot.tables.values()) {
      if (all || words.has(t.def.name)) await this.ensureView(t);
    }
    // MaxCompute's functions (maxcompute.ts) before user functions, whose bodies may call them.
    const mapped = macroScript(
      [...words].filter((w) => !this.made.has(`mc:${w}`)),
      this.timeZone,
    );
    if (mapped) {
      await this.connection.run(mapped);
      for (const w of words) this.made.add(`mc:${w}`);
    }
    for (const w of words) for (const f of this.functions.get(w) ?? []) await this.defineFunction(f, seen);
  }

  /** `text` in DuckDB's spelling (MaxCompute functions mapped, partition values quoted), mapped back to `text`. */
  prepareText(text: string): PreparedText {
    const mapped = rewriteMaxCompute(text);
    const quoted = quotePartitionLiterals(mapped.text, this.stringPartitionColumns());
    return { ...compose(mapped, insertionsOnly(mapped.text, quoted)), source: text };
  }

  /**
   * Runs a script of one or more statements, yielding each result as it
   * streams. A statement that would change anything is refused before it
   * runs; DuckDB errors become one-line FerryErrors with the position.
   */
  async *run(text: string): AsyncGenerator<StatementResult> {
    checkLeadingWords(text);
    const mapped = this.prepareText(text);
    const script = mapped.text;
    let extracted: DuckDBExtractedStatements;
    try {
      await this.viewsFor(script);
      extracted = await this.connection.extractStatements(script);
    } catch (err) {
      throw duckError(err, script, mapped);
    }
    if (extracted.count === 0) throw new FerryError(ErrorCodes.SQL, 'no SQL statement given');
    for (let i = 0; i < extracted.count; i++) {
      let prepared: DuckDBPreparedStatement;
      try {
        prepared = await extracted.prepare(i);
      } catch (err) {
        throw duckError(err, script, mapped);
      }
      checkReadOnly(prepared.statementType, script);
      if (prepared.statementType === StatementType.EXPLAIN) checkExplained(script);
      try {
        yield { sql: script, result: await prepared.stream() };
      } catch (err) {
        throw duckError(err, script, mapped);
      }
    }
  }

  /**
   * Makes the views a query names and checks it is one read-only query (the
   * SELECT of an INSERT); returns its text as DuckDB is to run it, with the way back to `text`.
   */
  async prepareQuery(text: string): Promise<PreparedText> {
    checkLeadingWords(text);
    const mapped = this.prepareText(text);
    const script = mapped.text;
    try {
      await this.viewsFor(script);
      const extracted = await this.connection.extractStatements(script);
      if (extracted.count !== 1) throw new FerryError(ErrorCodes.SQL, `expected one query, got ${extracted.count} statements`);
      const prepared = await extracted.prepare(0);
      checkReadOnly(prepared.statementType, script);
    } catch (err) {
      throw duckError(err, script, mapped);
    }
    return mapped;
  }

  /** Stops DuckDB and releases the read lease (files the lease kept may then be deleted). */
  async close(): Promise<void> {
    try {
      this.connection.closeSync();
      this.instance.closeSync();
    } finally {
      await this.lease.release();
    }
  }
}
