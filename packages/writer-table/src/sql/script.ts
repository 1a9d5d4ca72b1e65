/**
 * Runs a SQL script against the store, statement by statement in order:
 * queries (read-only, DuckDB over the committed files), `INSERT OVERWRITE|
 * INTO ... SELECT` (see insert-select.ts) and `CREATE TABLE` (the store's
 * DDL). Each statement sees what the ones before it committed (a fresh
 * catalog snapshot per statement). Writes are refused unless `write` is set.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import type { DuckDBResult } from '@duckdb/node-api';
import { createTable, type CreateResult } from '../catalog.js';
import type { Store } from '../store.js';
import { sqlErrorAt } from './duck-error.js';
import { dropFunction, getFunction, saveFunction, type CreateFunction, type FunctionDef } from './functions.js';
import { insertSelect, type InsertResult } from './insert-select.js';
import { SqlSession } from './session.js';
import { classify, splitStatements, type ScriptStatement } from './statements.js';
import { lineColumn } from './text-edits.js';

/** What to do with each statement's outcome. */
export interface ScriptHandlers {
  /** A query's streamed result (consume it before returning). */
  onQuery?(result: DuckDBResult, sql: string): Promise<void>;
  /** An INSERT's commit. */
  onInsert?(result: InsertResult, sql: string): void | Promise<void>;
  /** A CREATE TABLE's outcome. */
  onCreate?(result: CreateResult[], sql: string): void | Promise<void>;
  /** A CREATE or DROP FUNCTION's outcome (what it says, e.g. `function workshop.getregion(ip) created`). */
  onFunction?(note: string, sql: string): void | Promise<void>;
}

/** Where the script comes from, for error positions in the user's file. */
export interface ScriptSource {
  /** The file name shown (`sql/dwd_log_info_di.sql`). */
  name: string;
  /** The file's text. */
  text: string;
  /** The file offset of an offset in the script (the script is the file with parameters filled). */
  toSource(offset: number): number;
}

/** Options of `runScript`. */
export interface ScriptOptions extends ScriptHandlers {
  /** The current project (bare table names). */
  project: string;
  /** Allow INSERT and CREATE TABLE (ferry sql --write, SQL nodes). */
  write: boolean;
  /** How long an INSERT waits for another writer of its partition. */
  lockWaitMs?: number;
  /** Rows per INSERT that may be left out because a value does not fit (default 0). */
  errorLimit?: number;
  /** IANA time zone of `getdate()` (a workflow's workspace zone); UTC by default. */
  timeZone?: string;
  /** The file the script was read from: errors then say `file:line:column: ...`. */
  source?: ScriptSource;
  signal?: AbortSignal;
}

/** What a script did. */
export interface ScriptSummary {
  statements: number;
  /** Rows the INSERTs wrote, in total. */
  rowsWritten: number;
}

/** Runs a script's statements in order; the first failure stops it (what committed before stays). */
export async function runScript(store: Store, text: string, opts: ScriptOptions): Promise<ScriptSummary> {
  const statements = splitStatements(text);
  if (statements.length === 0) throw new FerryError(ErrorCodes.SQL, 'no SQL statement given');
  const summary: ScriptSummary = { statements: 0, rowsWritten: 0 };
  const temporary: FunctionDef[] = [];
  for (const s of statements) {
    opts.signal?.throwIfAborted();
    // Where the part of the statement DuckDB or ferry complains about starts in the script.
    let base = s.offset;
    try {
      const stmt = classify(s.text, opts.project);
      if (stmt.kind !== 'query' && !opts.write) {
        const what = stmt.kind === 'insert' ? 'INSERT' : stmt.kind === 'create' ? 'CREATE TABLE' : stmt.kind === 'function' ? 'CREATE FUNCTION' : 'DROP FUNCTION';
        throw new FerryError(ErrorCodes.SQL, `ferry sql is read-only: ${what} writes to the store; run it with --write`);
      }
      if (stmt.kind === 'insert') {
        base = s.offset + stmt.selectOffset;
        const result = await insertSelect(store, opts.project, stmt, { lockWaitMs: opts.lockWaitMs, errorLimit: opts.errorLimit, signal: opts.signal, functions: temporary, timeZone: opts.timeZone });
        summary.rowsWritten += result.rowsWritten;
        await opts.onInsert?.(result, s.text);
      } else if (stmt.kind === 'create') {
        // Not inside `onCreate?.(...)`: optional call arguments are not evaluated when there is no handler.
        const created = await createTable(store, opts.project, stmt.text);
        await opts.onCreate?.(created, s.text);
      } else if (stmt.kind === 'function') {
        base = s.offset + stmt.bodyOffset;
        const note = await createFunction(store, opts.project, stmt, temporary);
        await opts.onFunction?.(note, s.text);
      } else if (stmt.kind === 'drop-function') {
        const project = stmt.project ?? opts.project;
        const dropped = await dropFunction(store, project, stmt.name);
        if (!dropped && !stmt.ifExists) throw new FerryError(ErrorCodes.NOT_FOUND, `function ${project}.${stmt.name} does not exist (DROP FUNCTION IF EXISTS says nothing)`);
        await opts.onFunction?.(`function ${project}.${stmt.name} ${dropped ? 'dropped' : 'does not exist'}`, s.text);
      } else {
        const session = await SqlSession.open(store, { project: opts.project, functions: temporary, timeZone: opts.timeZone });
        try {
          for await (const { result } of session.run(stmt.text)) await opts.onQuery?.(result, s.text);
        } finally {
          await session.close();
        }
      }
    } catch (err) {
      throw placed(err, text, s, base, statements.length > 1, opts.source);
    }
    summary.statements++;
  }
  return summary;
}

/** Defines a function: made in a session first (so a body that does not bind fails here), then kept unless temporary. */
async function createFunction(store: Store, project: string, stmt: CreateFunction, temporary: FunctionDef[]): Promise<string> {
  const { def } = stmt;
  const full = `${def.project}.${def.name}(${def.params.join(', ')})`;
  const existing = stmt.temporary ? temporary.find((f) => f.project === def.project && f.name === def.name) : getFunction(store, def.project, def.name);
  if (existing && stmt.ifNotExists) return `function ${full} exists already`;
  if (existing && !stmt.replace) throw new FerryError(ErrorCodes.SQL, `function ${def.project}.${def.name} exists already (CREATE OR REPLACE FUNCTION replaces it, IF NOT EXISTS keeps it)`);
  const session = await SqlSession.open(store, { project, functions: temporary });
  try {
    await session.defineFunction(def);
  } finally {
    await session.close();
  }
  if (stmt.temporary) {
    temporary.splice(0, temporary.length, ...temporary.filter((f) => f !== existing), def);
    return `function ${full} defined for this script`;
  }
  await saveFunction(store, def);
  return `function ${full} ${existing ? 'replaced' : 'created'}`;
}

/**
 * A statement's failure with its place: the line and column in the script
 * (or the user's file) when DuckDB or ferry said where, else the line where
 * the statement starts.
 */
function placed(err: unknown, script: string, s: ScriptStatement, base: number, several: boolean, source: ScriptSource | undefined): unknown {
  if (!(err instanceof FerryError)) return err;
  const at = sqlErrorAt(err);
  const offset = at ? (at.inStatement ? s.offset : base) + at.offset : s.offset;
  const detail = at ? at.detail : err.message;
  if (source) {
    const { line, column } = lineColumn(source.text, source.toSource(offset));
    return new FerryError(err.code, `${source.name}:${line}:${column}: ${detail}`, { cause: err });
  }
  if (at) {
    const { line, column } = lineColumn(script, offset);
    return new FerryError(err.code, `${detail} (line ${line}, column ${column})`, { cause: err });
  }
  return several ? new FerryError(err.code, `statement at line ${s.line}: ${err.message}`, { cause: err }) : err;
}
