/**
 * DuckDB errors as one-line FerryErrors: the first line of DuckDB's message
 * plus, when DuckDB marks a position (its `LINE n:` excerpt with a caret),
 * the line and column in the statement the user wrote.
 */
import { ErrorCodes, FerryError } from '@ferry/core';

/** Where in a statement an error points (1-based). */
export interface SqlPosition {
  line: number;
  column: number;
}

/** The line and column DuckDB's caret points at in `sql`, when its message has one. */
export function errorPosition(message: string, sql: string): SqlPosition | undefined {
  const m = /\nLINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!m) return undefined;
  const line = Number(m[1]);
  const prefix = `LINE ${m[1]}: `.length;
  let shown = m[2]!;
  let caret = m[3]!.length - prefix;
  // DuckDB shows a window of long lines, cut with '...': find the window in the real line.
  if (shown.startsWith('...')) {
    shown = shown.slice(3);
    caret -= 3;
  }
  if (shown.endsWith('...')) shown = shown.slice(0, -3);
  // DuckDB counts lines within the statement; in a script of several, find the line that holds the excerpt.
  const lines = sql.split('\n');
  const order = [line - 1, ...lines.keys()].filter((n) => n >= 0 && n < lines.length);
  const found = order.find((n) => lines[n]!.includes(shown));
  if (found === undefined) return { line, column: caret + 1 };
  return { line: found + 1, column: lines[found]!.indexOf(shown) + caret + 1 };
}

/** The column in `original` of a column in `rewritten`, which only added characters (quotes) to it. */
function originalColumn(original: string, rewritten: string, column: number): number {
  let i = 0;
  for (let j = 0; j < column - 1 && j < rewritten.length; j++) if (rewritten[j] === original[i]) i++;
  return i + 1;
}

/**
 * A DuckDB failure of `sql` as a FerryError: a query mistake (FERRY_ERR_SQL),
 * or a store problem when a file cannot be read. `original` is the text the
 * user wrote when `sql` is a rewrite of it that only added characters.
 */
export function duckError(err: unknown, sql: string, original?: string): FerryError {
  if (err instanceof FerryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0]!.replace(/^Failed to extract statements: /, '').trim();
  const pos = errorPosition(message, sql);
  if (pos && original !== undefined && original !== sql) {
    pos.column = originalColumn(original.split('\n')[pos.line - 1] ?? '', sql.split('\n')[pos.line - 1] ?? '', pos.column);
  }
  const where = pos ? ` (line ${pos.line}, column ${pos.column})` : '';
  // A committed file that cannot be opened is a damaged store, not a wrong query.
  const io = /^IO Error/.test(first);
  return new FerryError(io ? ErrorCodes.STORE : ErrorCodes.SQL, `${first}${where}`, { cause: err });
}
