/**
 * The read-only rule of `ferry sql`: only queries run (SELECT, and EXPLAIN
 * of one). DuckDB tells each prepared statement's type; anything that would
 * change data, settings, extensions or files is refused before it runs.
 * Reading files outside the store is refused by DuckDB itself: the session
 * turns external access off and allows only the committed files.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import { StatementType } from '@duckdb/node-api';

const ALLOWED = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);

const NAMES: Record<number, string> = {
  [StatementType.INSERT]: 'INSERT',
  [StatementType.UPDATE]: 'UPDATE',
  [StatementType.DELETE]: 'DELETE',
  [StatementType.CREATE]: 'CREATE',
  [StatementType.CREATE_FUNC]: 'CREATE',
  [StatementType.DROP]: 'DROP',
  [StatementType.ALTER]: 'ALTER',
  [StatementType.COPY]: 'COPY',
  [StatementType.ATTACH]: 'ATTACH',
  [StatementType.DETACH]: 'DETACH',
  [StatementType.PRAGMA]: 'PRAGMA',
  [StatementType.SET]: 'SET',
  [StatementType.VARIABLE_SET]: 'SET',
  [StatementType.LOAD]: 'INSTALL/LOAD',
  [StatementType.EXTENSION]: 'extension',
  [StatementType.EXPORT]: 'EXPORT',
  [StatementType.VACUUM]: 'VACUUM',
  [StatementType.CALL]: 'CALL',
  [StatementType.TRANSACTION]: 'transaction',
  [StatementType.PREPARE]: 'PREPARE',
  [StatementType.EXECUTE]: 'EXECUTE',
  [StatementType.ANALYZE]: 'ANALYZE',
};

/** Throws FERRY_ERR_SQL unless a statement of this type only reads. */
export function checkReadOnly(type: number, sql: string): void {
  if (ALLOWED.has(type)) return;
  const kind = NAMES[type] ?? /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'this statement';
  throw new FerryError(ErrorCodes.SQL, `ferry sql is read-only: ${kind} statements are refused (only SELECT and EXPLAIN run; tables are written by ferry run, or by INSERT ... SELECT with --write)`);
}

/**
 * EXPLAIN ANALYZE runs the statement it explains: each one in the script
 * must be a query (SELECT, WITH, FROM, VALUES, TABLE, a parenthesis).
 */
export function checkExplained(script: string): void {
  for (const m of script.matchAll(/\bexplain\s+analy[sz]e\s+(\(|[A-Za-z]+)/gi)) {
    const word = m[1]!.toLowerCase();
    if (!['(', 'select', 'with', 'from', 'values', 'table', 'pivot', 'unpivot'].includes(word)) {
      throw new FerryError(ErrorCodes.SQL, `ferry sql is read-only: EXPLAIN ANALYZE ${word.toUpperCase()} would run it and is refused (only queries run)`);
    }
  }
}

const WRITE_WORDS =
  /(?:^|;)\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(insert|update|delete|merge|create|drop|alter|truncate|copy|attach|detach|install|load|force|set|reset|pragma|export|import|vacuum|checkpoint|call|begin|commit|rollback|abort|use|prepare|execute|deallocate|comment|analyze)\b/i;

/**
 * Refuses a script whose statements start with a word that changes things,
 * before DuckDB binds it: `INSERT INTO missing ...` is refused as a write,
 * not reported as a missing table.
 */
export function checkLeadingWords(script: string): void {
  const m = WRITE_WORDS.exec(script);
  if (m)
    throw new FerryError(
      ErrorCodes.SQL,
      `ferry sql is read-only: ${m[1]!.toUpperCase()} statements are refused (only SELECT and EXPLAIN run; tables are written by ferry run, or by INSERT ... SELECT with --write)`,
    );
}
