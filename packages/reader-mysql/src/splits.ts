/**
 * Cutting the work: key ranges of each table (integer keys between MIN and
 * MAX, string keys at sampled quantiles), one split per querySql, or, for
 * `consistency: "snapshot"`, one split that reads everything in one
 * transaction.
 */
import type { Connection } from 'mysql2';
import type { Logger } from '@ferry/core/channel';
import { configError, queriesOf, tablesOf } from './config-values.js';
import type { MysqlConfig } from './config.js';
import { query } from './connection.js';
import { keyText, plainColumn, quoteId, quoteTable, selectList, splitTableName, textKeyLiteral, type KeyCollation } from './sql.js';

export type KeyKind = 'int' | 'string' | 'binary';

/** One unit of work, serializable (sent to a worker). */
export interface MysqlSplit {
  /** What is read, for messages: `table db.t`, `querySql[1]`. */
  what: string;
  /** The range, for messages: `id >= 100 AND id < 200`. */
  range?: string;
  /** The select list and the table (`db`.`t`); or `sql`, a verbatim querySql. */
  columns?: string;
  from?: string;
  sql?: string;
  /** Conditions ANDed together (the user's where, the key range). */
  where: string[];
  /**
   * Present when the split reads in key order by a unique key: after a lost
   * connection it resumes after the last key it handed over.
   */
  resume?: { column: string; kind: KeyKind; index: number; hidden: boolean; collation?: KeyCollation };
  /** consistency "snapshot": these parts run in one transaction, in order. */
  parts?: MysqlSplit[];
  /** Folder of the job file (certificate paths resolve against it). */
  baseDir: string;
}

const INT_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const STRING_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const BINARY_TYPES = new Set(['binary', 'varbinary']);

export interface ColumnInfo {
  type: string;
  nullable: boolean;
  /** String columns: how their values compare. */
  collation?: KeyCollation;
}

export interface TableInfo {
  columns: Map<string, ColumnInfo>;
  primaryKey: string[];
}

export async function tableInfo(conn: Connection, table: string): Promise<TableInfo> {
  const { db, table: name } = splitTableName(table);
  const dbExpr = db === undefined ? 'DATABASE()' : '?';
  const args = db === undefined ? [name] : [db, name];
  const cols = await query<{ c: string; t: string; n: string; cs: string | null; co: string | null }>(
    conn,
    `SELECT COLUMN_NAME AS c, DATA_TYPE AS t, IS_NULLABLE AS n, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${dbExpr} AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    args,
  );
  const pk = await query<{ c: string }>(
    conn,
    `SELECT COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ${dbExpr} AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
    args,
  );
  const columns = new Map<string, ColumnInfo>();
  for (const r of cols) {
    const collation = r.cs && r.co ? { charset: String(r.cs), collation: String(r.co) } : undefined;
    columns.set(String(r.c).toLowerCase(), { type: String(r.t).toLowerCase(), nullable: r.n === 'YES', ...(collation ? { collation } : {}) });
  }
  return { columns, primaryKey: pk.map((r) => String(r.c)) };
}

function kindOf(type: string): KeyKind | undefined {
  if (INT_TYPES.has(type)) return 'int';
  if (STRING_TYPES.has(type)) return 'string';
  if (BINARY_TYPES.has(type)) return 'binary';
  return undefined;
}

/** The splits of a config for `advice` channels. */
export async function planSplits(conn: Connection, config: MysqlConfig, advice: number, baseDir: string, log: Logger): Promise<MysqlSplit[]> {
  const queries = queriesOf(config);
  if (queries.length > 0) {
    const splits = queries.map((q, i): MysqlSplit => ({ what: queries.length > 1 ? `querySql[${i}]` : 'querySql', sql: q, where: [], baseDir }));
    return config.consistency === 'snapshot' && splits.length > 1 ? [snapshotOf(splits, baseDir)] : splits;
  }
  const where = config.where?.trim() ? [config.where.trim()] : [];
  const select = selectList(config.columns);
  const all: MysqlSplit[] = [];
  for (const table of tablesOf(config)) {
    const base: MysqlSplit = { what: `table ${table}`, columns: select, from: quoteTable(table), where, baseDir };
    if (config.consistency === 'snapshot') {
      all.push(base);
      continue;
    }
    all.push(...(await tableSplits(conn, config, table, base, advice, log)));
  }
  return config.consistency === 'snapshot' && all.length > 1 ? [snapshotOf(all, baseDir)] : all;
}

function snapshotOf(parts: MysqlSplit[], baseDir: string): MysqlSplit {
  return { what: `snapshot of ${parts.map((p) => p.what).join(', ')}`, where: [], parts, baseDir };
}

async function tableSplits(conn: Connection, config: MysqlConfig, table: string, base: MysqlSplit, advice: number, log: Logger): Promise<MysqlSplit[]> {
  const info = await tableInfo(conn, table);
  let key = config.splitPk;
  if (key !== undefined) {
    key = plainColumn(key) ?? key;
    if (!info.columns.has(key.toLowerCase())) throw configError(`splitPk: ${key} is not a column of ${table}`);
  } else if (info.primaryKey.length > 0 && kindOf(info.columns.get(info.primaryKey[0]!.toLowerCase())?.type ?? '') === 'int') {
    key = info.primaryKey[0]!;
  }
  const col = key === undefined ? undefined : info.columns.get(key.toLowerCase())!;
  const kind = col ? kindOf(col.type) : undefined;
  if (key !== undefined && kind === undefined) {
    log.warn(`mysql: splitPk ${key} of ${table} is ${col!.type}; only integer and string keys are split, so the table is read as one split`);
  }
  // Reading in key order makes a split resumable; only the primary key gives that order for free.
  const unique = key !== undefined && info.primaryKey.length === 1 && info.primaryKey[0]!.toLowerCase() === key.toLowerCase();
  const resumable = unique && kind !== undefined && base.where.length === 0;
  const resume = resumable ? resumeOf(config.columns, key!, kind!, col!.collation) : undefined;
  const n = advice <= 1 ? 1 : advice * config.splitFactor;
  const whole = (): MysqlSplit[] => [{ ...base, ...(resume ? { resume } : {}) }];
  if (key === undefined || kind === undefined || n === 1) return whole();
  const k = quoteId(key);
  const cond = base.where.length ? ` WHERE (${base.where[0]})` : '';
  // Each boundary as SQL (what the server gets) and as text (for messages).
  let bounds: Bound[];
  if (kind === 'int') {
    const rows = await query<{ lo: string | null; hi: string | null }>(conn, `SELECT MIN(${k}) AS lo, MAX(${k}) AS hi FROM ${quoteTable(table)}${cond}`);
    const lo = rows[0]?.lo,
      hi = rows[0]?.hi;
    if (lo === null || lo === undefined || hi === null || hi === undefined) return whole();
    const min = BigInt(lo),
      span = BigInt(hi) - min + 1n;
    const parts = span < BigInt(n) ? Number(span) : n;
    bounds = [];
    for (let i = 1; i < parts; i++) {
      const b = String(min + (span * BigInt(i)) / BigInt(parts));
      bounds.push({ sql: b, text: b });
    }
  } else {
    bounds = await sampledBounds(conn, table, k, cond, n, kind, col!.collation, config.where === undefined);
  }
  bounds = bounds.filter((b, i) => bounds.findIndex((o) => o.sql === b.sql) === i);
  if (bounds.length === 0) return whole();
  const splits: MysqlSplit[] = [];
  const cut = (f: (b: Bound) => string) => (i: number) =>
    i === 0 ? `${k} < ${f(bounds[0]!)}` : i === bounds.length ? `${k} >= ${f(bounds[i - 1]!)}` : `${k} >= ${f(bounds[i - 1]!)} AND ${k} < ${f(bounds[i]!)}`;
  const sqlOf = cut((b) => b.sql),
    textOf = cut((b) => b.text);
  for (let i = 0; i <= bounds.length; i++) {
    splits.push({ ...base, range: textOf(i), where: [...base.where, sqlOf(i)], ...(resume ? { resume } : {}) });
  }
  // Ranges never hold NULL keys: they get a split of their own.
  if (col!.nullable) splits.push({ ...base, range: `${k} IS NULL`, where: [...base.where, `${k} IS NULL`] });
  return splits;
}

function resumeOf(columns: string[], key: string, kind: KeyKind, collation: KeyCollation | undefined): MysqlSplit['resume'] {
  const index = columns.findIndex((c) => plainColumn(c)?.toLowerCase() === key.toLowerCase());
  const coll = kind === 'string' && collation ? { collation } : {};
  if (index >= 0 && !columns.includes('*')) return { column: key, kind, index, hidden: false, ...coll };
  // The key is not among the output columns: it is selected as a hidden last column.
  return { column: key, kind, index: -1, hidden: true, ...coll };
}

/** A split boundary: the SQL literal sent to the server and its text for messages. */
interface Bound {
  sql: string;
  text: string;
}

/** Key values at quantiles of a string or binary key. */
async function sampledBounds(conn: Connection, table: string, k: string, cond: string, n: number, kind: KeyKind, collation: KeyCollation | undefined, noWhere: boolean): Promise<Bound[]> {
  const { db, table: name } = splitTableName(table);
  let count = 0;
  if (noWhere) {
    // InnoDB's estimate is free; a small (or stale zero) estimate is checked with a real count.
    const est = await query<{ r: string | null }>(
      conn,
      `SELECT TABLE_ROWS AS r FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${db === undefined ? 'DATABASE()' : '?'} AND TABLE_NAME = ?`,
      db === undefined ? [name] : [db, name],
    );
    count = Number(est[0]?.r ?? 0);
  }
  if (count < n * 2) {
    const rows = await query<{ c: string }>(conn, `SELECT COUNT(*) AS c FROM ${quoteTable(table)}${cond}`);
    count = Number(rows[0]?.c ?? 0);
  }
  if (count < n * 2) return [];
  const notNull = cond ? `${cond} AND ${k} IS NOT NULL` : ` WHERE ${k} IS NOT NULL`;
  const bounds: Bound[] = [];
  for (let i = 1; i < n; i++) {
    const offset = Math.floor((count * i) / n);
    const rows = await query<{ v: string | Buffer }>(conn, `SELECT ${k} AS v FROM ${quoteTable(table)}${notNull} ORDER BY ${k} LIMIT 1 OFFSET ${offset}`);
    const v = rows[0]?.v;
    if (v === undefined || v === null) break;
    if (kind === 'binary' || Buffer.isBuffer(v)) {
      const hex = `X'${Buffer.from(v as Buffer).toString('hex')}'`;
      bounds.push({ sql: hex, text: hex });
    } else bounds.push({ sql: textKeyLiteral(Buffer.from(String(v), 'utf8'), collation), text: keyText(String(v)) });
  }
  return bounds;
}

/** The SELECT of a split; after a lost connection `after` is the last key already handed over. */
export function splitSql(split: MysqlSplit, after?: string): string {
  if (split.sql !== undefined) return split.sql;
  const hidden = split.resume?.hidden ? `, ${quoteId(split.resume.column)} AS \`__ferry_key\`` : '';
  const select = `SELECT ${split.columns}${hidden} FROM ${split.from}`;
  const where = [...split.where];
  if (split.resume && after !== undefined) where.push(`${quoteId(split.resume.column)} > ${after}`);
  let sql = select + (where.length ? ` WHERE ${where.map((w) => `(${w})`).join(' AND ')}` : '');
  if (split.resume) sql += ` ORDER BY ${quoteId(split.resume.column)}`;
  return sql;
}
