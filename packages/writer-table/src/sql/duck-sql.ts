/**
 * SQL text for DuckDB: quoted identifiers and literals, and the DuckDB type
 * that holds each ferry column type (the type DuckDB reads from the Parquet
 * files ferry writes).
 */
import { parseType, type FerryType } from '@ferry/core';

/** A double-quoted DuckDB identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A single-quoted DuckDB string literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A DuckDB list literal of strings: `['a', 'b']`. */
export function listLiteral(items: string[]): string {
  return `[${items.map(literal).join(', ')}]`;
}

/** The DuckDB type of a ferry column type (`decimal(38,2)` -> `DECIMAL(38,2)`). */
export function duckType(type: FerryType | string): string {
  const t = typeof type === 'string' ? parseType(type) : type;
  // An unsigned flag may come with the column types of a later release; honour it when present.
  const unsigned = (t as { unsigned?: boolean }).unsigned === true;
  switch (t.name) {
    case 'string':
    case 'varchar':
    case 'char':
      return 'VARCHAR';
    case 'bigint':
      return unsigned ? 'UBIGINT' : 'BIGINT';
    case 'int':
      return unsigned ? 'UINTEGER' : 'INTEGER';
    case 'smallint':
      return unsigned ? 'USMALLINT' : 'SMALLINT';
    case 'tinyint':
      return unsigned ? 'UTINYINT' : 'TINYINT';
    case 'boolean':
      return 'BOOLEAN';
    case 'double':
      return 'DOUBLE';
    case 'float':
      return 'FLOAT';
    case 'decimal':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'date':
      return 'DATE';
    case 'datetime':
      return 'TIMESTAMP';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'binary':
      return 'BLOB';
  }
}

/** A typed constant: `CAST('20240620' AS VARCHAR)`. */
export function typedConstant(text: string, type: FerryType | string): string {
  return `CAST(${literal(text)} AS ${duckType(type)})`;
}
