/**
 * The source schema: the result columns of what will be read, found without
 * reading rows (`SELECT ... LIMIT 0` for tables, a prepared statement's
 * metadata for querySql). Every table or query must give the same columns.
 */
import { Schema, type Field } from 'apache-arrow';
import type { Connection } from 'mysql2';
import { configError, queriesOf, tablesOf, type MysqlConfig } from './config.js';
import { fieldTypeText, planColumn, type ColumnDef, type ColumnPlan } from './column-types.js';
import { mysqlError } from './errors.js';
import type { Endpoint } from './connection.js';
import { quoteTable, selectList } from './sql.js';

/** What schema() probes: one entry per table or querySql. */
export interface Target {
  what: string;
  sql: string;
  prepare: boolean;
}

export function targetsOf(config: MysqlConfig): Target[] {
  const queries = queriesOf(config);
  if (queries.length > 0) return queries.map((sql, i) => ({ what: queries.length > 1 ? `querySql[${i}]` : 'querySql', sql, prepare: true }));
  const where = config.where?.trim() ? ` WHERE (${config.where.trim()})` : '';
  const select = selectList(config.columns);
  return tablesOf(config).map((t) => ({ what: `table ${t}`, sql: `SELECT ${select} FROM ${quoteTable(t)}${where} LIMIT 0`, prepare: false }));
}

/** The column definitions of a target's result, without reading a row. */
export function resultColumns(conn: Connection, target: Target, endpoint: Endpoint): Promise<ColumnDef[]> {
  return new Promise((res, rej) => {
    const done = (err: unknown, fields: unknown) => (err ? rej(mysqlError(err, { ...endpoint, what: target.what })) : res((fields ?? []) as ColumnDef[]));
    if (target.prepare) {
      conn.prepare(target.sql, (err: unknown, info: unknown) => {
        const stmt = info as { columns: unknown; close(): void } | undefined;
        if (err || !stmt) return done(err ?? new Error('prepare failed'), undefined);
        const columns = stmt.columns;
        stmt.close();
        if (!Array.isArray(columns) || columns.length === 0) return rej(configError(`${target.what} returns no columns: it must be a SELECT`));
        done(null, columns);
      });
    } else conn.query(target.sql, (err: unknown, _rows: unknown, fields: unknown) => done(err, fields));
  });
}

/** The Arrow schema shared by every target; differing tables/queries are a config error. */
export async function probeSchema(conn: Connection, config: MysqlConfig, endpoint: Endpoint): Promise<Schema> {
  let first: { what: string; plans: ColumnPlan[] } | undefined;
  for (const target of targetsOf(config)) {
    const plans = (await resultColumns(conn, target, endpoint)).map((d) => planColumn(d, config));
    if (!first) {
      first = { what: target.what, plans };
      continue;
    }
    const diff = differs(
      first.plans.map((p) => p.field),
      plans.map((p) => p.field),
    );
    if (diff) throw configError(`${target.what} does not have the columns of ${first.what}: ${diff}`);
  }
  return new Schema(first!.plans.map((p) => p.field));
}

function differs(a: Field[], b: Field[]): string | undefined {
  if (a.length !== b.length) return `${b.length} columns instead of ${a.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (x.name !== y.name || String(x.type) !== String(y.type)) return `column ${i + 1} is ${y.name} ${fieldTypeText(y)}, not ${x.name} ${fieldTypeText(x)}`;
  }
  return undefined;
}
