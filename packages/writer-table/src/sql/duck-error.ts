/**
 * DuckDB errors as one-line FerryErrors: the first line of DuckDB's message
 * plus the line and column in the text the user wrote. Sessions ask DuckDB
 * for JSON errors, whose `position` is a byte offset in the statement as
 * DuckDB ran it (after ferry's rewrites, mapped back through text-edits.ts);
 * a plain message's `LINE n:` excerpt with a caret is the fallback.
 */
import { ErrorCodes, FerryError, type ErrorCode } from '@ferry/core';
import { charOffset, lineColumn } from './text-edits.js';

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

/** What DuckDB said, from its JSON error (sessions set errors_as_json) or its text. */
interface DuckMessage {
  /** `Binder Error: Referenced column "x" not found in FROM clause!`, one line. */
  text: string;
  /** UTF-8 byte offset in the statement text DuckDB ran. */
  byte?: number;
}

function readDuck(message: string): DuckMessage {
  const brace = message.indexOf('{');
  if (brace >= 0 && message.trimEnd().endsWith('}')) {
    try {
      const j = JSON.parse(message.slice(brace)) as Record<string, string | undefined>;
      const said = (j.exception_message ?? '').split('\n');
      const type = j.exception_type ?? 'DuckDB';
      let text = `${type} Error: ${said[0]!.trim()}`;
      if (j.error_subtype === 'MISSING_ENTRY' && /Function/.test(j.type ?? '') && j.name) {
        text = `unknown function ${j.name}()${j.candidates ? ` (did you mean ${j.candidates.split(',').slice(0, 3).join(', ')}?)` : ''}`;
      }
      return { text, byte: j.position === undefined ? undefined : Number(j.position) };
    } catch {
      // Not JSON after all: the text below.
    }
  }
  return {
    text: message
      .split('\n')[0]!
      .replace(/^Failed to extract statements: /, '')
      .trim(),
  };
}

const POSITIONS = new WeakMap<FerryError, SqlErrorAt>();

/** The message without its position, and the offset it points at in the text the caller gave. */
export interface SqlErrorAt {
  detail: string;
  offset: number;
  /** The offset is in the whole statement (a PARTITION spec), not in the part DuckDB ran. */
  inStatement?: boolean;
}

/** Where a FerryError from `duckError` points, when DuckDB said. */
export function sqlErrorAt(err: unknown): SqlErrorAt | undefined {
  return err instanceof FerryError ? POSITIONS.get(err) : undefined;
}

/** `err` (ferry's own check of a statement part, e.g. its PARTITION spec) placed at `offset` of the statement; returns it. */
export function placeInStatement(err: unknown, offset: number | undefined): unknown {
  if (err instanceof FerryError && offset !== undefined && !POSITIONS.has(err)) POSITIONS.set(err, { detail: err.message, offset, inStatement: true });
  return err;
}

/** A FerryError whose message ends with `(line, column)` of `offset` in `text`, remembering the offset for callers that know more. */
export function sqlErrorWithPosition(code: ErrorCode, detail: string, text: string, offset: number, cause?: unknown): FerryError {
  const { line, column } = lineColumn(text, offset);
  const err = new FerryError(code, `${detail} (line ${line}, column ${column})`, cause === undefined ? {} : { cause });
  POSITIONS.set(err, { detail, offset });
  return err;
}

/**
 * A DuckDB failure of `sql` as a FerryError: a query mistake (FERRY_ERR_SQL),
 * or a store problem when a file cannot be read. `mapped` maps `sql` back to
 * the text the user wrote (`mapped.source`), so the position is theirs;
 * `false` when `sql` is ferry's own statement (no position shown).
 */
export function duckError(err: unknown, sql: string, mapped?: { toSource(offset: number): number; source: string } | false): FerryError {
  if (err instanceof FerryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const said = readDuck(message);
  // A committed file that cannot be opened is a damaged store, not a wrong query.
  const code = /^IO Error/.test(said.text) ? ErrorCodes.STORE : ErrorCodes.SQL;
  if (mapped === false) return new FerryError(code, said.text, { cause: err });
  if (said.byte !== undefined) {
    const at = charOffset(sql, said.byte);
    if (mapped) return sqlErrorWithPosition(code, said.text, mapped.source, mapped.toSource(at), err);
    return sqlErrorWithPosition(code, said.text, sql, at, err);
  }
  const pos = errorPosition(message, sql);
  return new FerryError(code, `${said.text}${pos ? ` (line ${pos.line}, column ${pos.column})` : ''}`, { cause: err });
}
