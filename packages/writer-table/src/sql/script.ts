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
import type { CommitResult } from '../commit.js';
import type { Store } from '../store.js';
import { insertSelect } from './insert-select.js';
import { SqlSession } from './session.js';
import { classify, splitStatements } from './statements.js';

/** What to do with each statement's outcome. */
export interface ScriptHandlers {
  /** A query's streamed result (consume it before returning). */
  onQuery?(result: DuckDBResult, sql: string): Promise<void>;
  /** An INSERT's commit. */
  onInsert?(result: CommitResult, sql: string): void | Promise<void>;
  /** A CREATE TABLE's outcome. */
  onCreate?(result: CreateResult[], sql: string): void | Promise<void>;
}

/** Options of `runScript`. */
export interface ScriptOptions extends ScriptHandlers {
  /** The current project (bare table names). */
  project: string;
  /** Allow INSERT and CREATE TABLE (ferry sql --write, SQL nodes). */
  write: boolean;
  /** How long an INSERT waits for another writer of its partition. */
  lockWaitMs?: number;
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
  for (const s of statements) {
    opts.signal?.throwIfAborted();
    const stmt = classify(s.text);
    const where = statements.length > 1 ? `statement at line ${s.line}: ` : '';
    try {
      if (stmt.kind !== 'query' && !opts.write) {
        throw new FerryError(ErrorCodes.SQL, `ferry sql is read-only: ${stmt.kind === 'insert' ? 'INSERT' : 'CREATE TABLE'} writes to the store; run it with --write`);
      }
      if (stmt.kind === 'insert') {
        const result = await insertSelect(store, opts.project, stmt, { lockWaitMs: opts.lockWaitMs, signal: opts.signal });
        summary.rowsWritten += result.rowsWritten;
        await opts.onInsert?.(result, s.text);
      } else if (stmt.kind === 'create') {
        // Not inside `onCreate?.(...)`: optional call arguments are not evaluated when there is no handler.
        const created = await createTable(store, opts.project, stmt.text);
        await opts.onCreate?.(created, s.text);
      } else {
        const session = await SqlSession.open(store, { project: opts.project });
        try {
          for await (const { result } of session.run(stmt.text)) await opts.onQuery?.(result, s.text);
        } finally {
          await session.close();
        }
      }
    } catch (err) {
      if (err instanceof FerryError && where) throw new FerryError(err.code, `${where}${err.message}`, { cause: err });
      throw err;
    }
    summary.statements++;
  }
  return summary;
}
