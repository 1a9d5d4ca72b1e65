/**
 * DuckDB values as ferry's text: BIGINT (signed or not) exact, DECIMAL exact
 * with its scale, DATE `yyyy-mm-dd`, DATETIME `yyyy-mm-dd hh:mm:ss[.fff|.ffffff]`
 * (TIMESTAMP WITH TIME ZONE in UTC), BINARY base64, FLOAT as the shortest
 * text that reads back, NULL as null (distinct from '').
 */
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { formatDate, formatDateTime, formatDecimal } from '@ferry/core';
import { formatFloat32, normalizeNumber } from '@ferry/core/values';
import type { JsonKind } from '../value-format.js';

/** A result column: its name, how its text goes into JSON, and its text maker. */
export interface ResultColumn {
  name: string;
  json: JsonKind;
  text: (v: DuckDBValue) => string | null;
}

const BARE = new Set<number>([
  DuckDBTypeId.BOOLEAN,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
]);

/** The text of one DuckDB value (null for NULL). */
export function valueText(v: DuckDBValue, typeId?: number): string | null {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return typeId === DuckDBTypeId.FLOAT ? formatFloat32(v) : normalizeNumber(String(v));
  }
  if (v instanceof DuckDBDecimalValue) return formatDecimal(v.value, v.scale);
  if (v instanceof DuckDBDateValue) return v.isFinite ? formatDate(v.days) : v.toString();
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return v.isFinite ? formatDateTime(v.micros) : v.toString();
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength).toString('base64');
  return String(v);
}

/** The text makers of a result's columns. */
export function resultColumns(names: string[], types: DuckDBType[]): ResultColumn[] {
  return names.map((name, c) => {
    const typeId = types[c]!.typeId;
    return { name, json: BARE.has(typeId) ? 'bare' : 'string', text: (v) => valueText(v, typeId) };
  });
}

/** Rows of a result as text, as `readResultRows` gives them. */
export interface ResultRows {
  columns: string[];
  /** Text cells, null for NULL. */
  rows: (string | null)[][];
  /** More rows followed past the limit (they were not read). */
  more: boolean;
}

/** Reads up to `limit` rows of a streamed result as text cells; stops reading past them. */
export async function readResultRows(result: DuckDBResult, limit: number): Promise<ResultRows> {
  const cols = resultColumns(result.deduplicatedColumnNames(), result.columnTypes());
  const rows: (string | null)[][] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return { columns: cols.map((c) => c.name), rows, more: false };
    const values = cols.map((_, c) => chunk.getColumnValues(c));
    for (let r = 0; r < chunk.rowCount; r++) {
      if (rows.length >= limit) return { columns: cols.map((c) => c.name), rows, more: true };
      rows.push(cols.map((c, i) => c.text(values[i]![r]!)));
    }
  }
}
