/**
 * Incremental reads: a run reads the rows whose cursor column is above the
 * saved high-water mark and at most the column's maximum when the run
 * started (queried first), so rows written during the run arrive next time
 * instead of half now. The new mark goes back to the engine through
 * `ctx.state.save`; the writer stores it with its commit.
 *
 * Cursor values never reach SQL as pasted text: numbers are checked to be
 * digits, dates and strings become hex literals (strings in the column's
 * character set and collation, as split boundaries are).
 */
import type { Connection } from 'mysql2';
import type { ReaderStateContext } from '@ferry/core';
import { configError, tablesOf, type MysqlConfig } from './config.js';
import { query } from './connection.js';
import { tableInfo, type ColumnInfo } from './splits.js';
import { keyText, plainColumn, quoteId, quoteTable, textKeyLiteral, type KeyCollation } from './sql.js';

/** How a cursor's values compare and are written. */
export type CursorKind = 'int' | 'decimal' | 'date' | 'datetime' | 'string';

/** The saved state of a mysql cursor. */
export interface CursorState {
  column: string;
  kind: CursorKind;
  /** The high-water mark as MySQL prints it (`2024-06-01 10:00:00`, `42`, `abc`). */
  value: string;
}

const KINDS: Record<string, CursorKind> = {
  tinyint: 'int',
  smallint: 'int',
  mediumint: 'int',
  int: 'int',
  integer: 'int',
  bigint: 'int',
  decimal: 'decimal',
  numeric: 'decimal',
  date: 'date',
  datetime: 'datetime',
  timestamp: 'datetime',
  char: 'string',
  varchar: 'string',
  tinytext: 'string',
  text: 'string',
  mediumtext: 'string',
  longtext: 'string',
};

/** The reader's part of the state key, when the config reads incrementally. */
export function cursorKey(config: MysqlConfig): string | undefined {
  const inc = config.incremental;
  if (!inc) return undefined;
  return `mysql:${tablesOf(config).join(',')}:${plainColumn(inc.column) ?? inc.column}`;
}

const PATTERNS: Record<CursorKind, RegExp | undefined> = {
  int: /^-?\d+$/,
  decimal: /^-?\d+(\.\d+)?$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  datetime: /^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)?$/,
  string: undefined,
};

/**
 * A cursor value as SQL. Numbers must be plain digits; dates and strings go
 * as hex literals, so no value can change the statement.
 */
export function cursorLiteral(kind: CursorKind, text: string, coll: KeyCollation | undefined, where: string): string {
  const t = kind === 'datetime' ? text.replace('T', ' ') : text;
  const re = PATTERNS[kind];
  if (re && !re.test(t))
    throw configError(
      `${where}: ${JSON.stringify(text.slice(0, 60))} is not a ${kind === 'int' ? 'whole number' : kind === 'decimal' ? 'decimal number' : kind === 'date' ? 'date (yyyy-mm-dd)' : 'date-time (yyyy-mm-dd hh:mm:ss[.ffffff])'}`,
    );
  if (kind === 'int' || kind === 'decimal') return t;
  const hex = textKeyLiteral(Buffer.from(t, 'utf8'), kind === 'string' ? coll : undefined);
  return kind === 'date' ? `CAST(${hex} AS DATE)` : kind === 'datetime' ? `CAST(${hex} AS DATETIME(6))` : hex;
}

function shown(kind: CursorKind, text: string): string {
  return kind === 'int' || kind === 'decimal' ? text : keyText(text);
}

/** What an incremental run reads: the condition for every split, the mark to save, and the range as text. */
export interface IncrementalPlan {
  condition: string;
  range: string;
  /** The new mark; undefined when there is nothing to save (first run, no rows). */
  next: CursorState | undefined;
}

async function cursorColumn(conn: Connection, config: MysqlConfig, column: string): Promise<{ kind: CursorKind; info: ColumnInfo }> {
  let found: { kind: CursorKind; info: ColumnInfo } | undefined;
  for (const table of tablesOf(config)) {
    const info = (await tableInfo(conn, table)).columns.get(column.toLowerCase());
    if (!info) throw configError(`incremental.column: ${column} is not a column of ${table}`);
    const kind = KINDS[info.type];
    if (!kind) throw configError(`incremental.column: ${column} of ${table} is ${info.type}; a cursor must be an integer, DECIMAL, DATE, DATETIME/TIMESTAMP or string column`);
    if (found && found.kind !== kind) throw configError(`incremental.column: ${column} is ${info.type} in ${table} but a ${found.kind} column in ${tablesOf(config)[0]}`);
    found ??= { kind, info };
  }
  return found!;
}

function checkSaved(saved: unknown, column: string, kind: CursorKind): CursorState | undefined {
  if (saved === undefined || saved === null) return undefined;
  const s = saved as Partial<CursorState>;
  if (typeof s.value !== 'string' || typeof s.column !== 'string' || typeof s.kind !== 'string') {
    throw configError(`the saved state ${JSON.stringify(saved).slice(0, 80)} is not a mysql cursor; reset it with \`ferry state reset\` or run with --full-refresh`);
  }
  if (s.column.toLowerCase() !== column.toLowerCase() || s.kind !== kind) {
    throw configError(`the saved state is for cursor ${s.column} (${s.kind}), the job now says ${column} (${kind}); reset it with \`ferry state reset\` or run with --full-refresh`);
  }
  return s as CursorState;
}

/**
 * Plans an incremental run: checks the cursor column, reads its maximum
 * above the lower bound (one statement over every table), and tells
 * `state.save` the new mark and range.
 */
export async function planIncremental(conn: Connection, config: MysqlConfig, state: ReaderStateContext | undefined): Promise<IncrementalPlan> {
  const inc = config.incremental!;
  const column = plainColumn(inc.column);
  if (column === undefined) throw configError(`incremental.column: ${JSON.stringify(inc.column)} must be a column name, not an expression`);
  const { kind, info } = await cursorColumn(conn, config, column);
  const coll = info.collation;
  const saved = checkSaved(state?.saved, column, kind);
  const c = quoteId(column);
  let lower: string | undefined;
  let lowerText = '';
  if (saved) {
    let lit = cursorLiteral(kind, saved.value, coll, 'saved state');
    if (inc.lookback) {
      if (kind === 'string') throw configError('incremental.lookback: a string cursor has no distance to look back by');
      if (kind !== 'decimal' && !Number.isInteger(inc.lookback))
        throw configError(`incremental.lookback: must be a whole number of ${kind === 'int' ? 'cursor units' : kind === 'date' ? 'days' : 'seconds'}`);
      lit = kind === 'date' ? `(${lit} - INTERVAL ${inc.lookback} DAY)` : kind === 'datetime' ? `(${lit} - INTERVAL ${inc.lookback} SECOND)` : `(${lit} - ${inc.lookback})`;
    }
    lower = `${c} > ${lit}`;
    lowerText = `${column} > ${shown(kind, saved.value)}${inc.lookback ? ` - ${inc.lookback}` : ''}`;
  } else if (inc.start !== undefined) {
    lower = `${c} >= ${cursorLiteral(kind, String(inc.start), coll, 'incremental.start')}`;
    lowerText = `${column} >= ${shown(kind, String(inc.start))}`;
  }
  const userWhere = config.where?.trim();
  const conds = [...(userWhere ? [`(${userWhere})`] : []), ...(lower ? [lower] : [])];
  const whereSql = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
  const parts = tablesOf(config).map((t) => `SELECT MAX(${c}) AS v FROM ${quoteTable(t)}${whereSql}`);
  const sql = parts.length === 1 ? parts[0]! : `SELECT MAX(v) AS v FROM (${parts.join(' UNION ALL ')}) AS m`;
  const rows = await query<{ v: string | Buffer | null }>(conn, sql);
  const max = rows[0]?.v;
  if (max === null || max === undefined) {
    // Nothing above the mark: read nothing, keep the mark.
    const range = `${lowerText || `${column}: every row`}: no rows (the mark stays)`;
    if (saved) state?.save(saved, range);
    return { condition: '1 = 0', range, next: saved };
  }
  const maxText = Buffer.isBuffer(max) ? max.toString('utf8') : String(max);
  const upper = `${c} <= ${cursorLiteral(kind, maxText, coll, 'maximum of the cursor column')}`;
  const range = `${lowerText ? `${lowerText} AND ` : ''}${column} <= ${shown(kind, maxText)}`;
  const next: CursorState = { column, kind, value: maxText };
  state?.save(next, range);
  return { condition: lower ? `${lower} AND ${upper}` : upper, range, next };
}

/** The config with the incremental condition ANDed into `where`, as every split reads it. */
export function withCondition(config: MysqlConfig, condition: string): MysqlConfig {
  const user = config.where?.trim();
  return { ...config, where: user ? `(${user}) AND ${condition}` : condition };
}
