/**
 * The SELECT behind each table's view: one branch per partition, reading
 * that partition's committed Parquet files and adding the partition columns
 * as typed constants, joined with UNION ALL. DuckDB folds a filter on a
 * partition column into each branch's constants, so `where dt='20240620'`
 * opens only that partition's files (measured with EXPLAIN ANALYZE:
 * "Total Files Read: 0" in the other branches). A table with no committed
 * file is a typed zero-row SELECT. (DuckDB does not fold a filter that may
 * fail, such as `CAST(dt AS INTEGER) = 20240620`: see partition-literals.ts.)
 */
import type { ColumnDef } from '../ddl-parser.js';
import { duckType, ident, listLiteral, typedConstant } from './duck-sql.js';
import type { SnapshotPartition, SnapshotTable } from './catalog-snapshot.js';

/** How each column is selected from its source expression: as is, or turned into ferry's text. */
export type ColumnExpr = (source: string, column: ColumnDef) => string;

/** Selects a column as stored. */
export const asStored: ColumnExpr = (source) => source;

/** Options of `tableSelect`. */
export interface TableSelectOptions {
  /** Only these partitions (default all of the table's). */
  partitions?: SnapshotPartition[];
  /** The expression of each output column over the stored (or constant) column. */
  column?: ColumnExpr;
}

/** The SELECT text of a table: data columns in table order, then the partition columns. */
export function tableSelect(table: SnapshotTable, opts: TableSelectOptions = {}): string {
  const { def } = table;
  const expr = opts.column ?? asStored;
  const parts = (opts.partitions ?? table.partitions).filter((p) => p.files.length > 0);
  const all = [...def.columns, ...def.partitionColumns];
  if (parts.length === 0) {
    // No committed file: the right columns, no rows.
    const cols = all.map((c) => `${expr(ident(c.name), c)} AS ${ident(c.name)}`);
    return `SELECT ${cols.join(', ')} FROM (SELECT ${all.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`).join(', ')}) WHERE false`;
  }
  const branches = parts.map((p) => {
    // The folder names look like Hive partitions (dt=20240620): DuckDB must not add its own guessed columns.
    const consts = def.partitionColumns.map((c) => `${typedConstant(p.values[c.name] ?? '', c.type)} AS ${ident(c.name)}`);
    const inner = `SELECT *${consts.map((x) => ', ' + x).join('')} FROM read_parquet(${listLiteral(p.files.map((f) => f.path))}, hive_partitioning = false)`;
    return `SELECT ${all.map((c) => `${expr(ident(c.name), c)} AS ${ident(c.name)}`).join(', ')} FROM (${inner})`;
  });
  return branches.join('\nUNION ALL\n');
}
