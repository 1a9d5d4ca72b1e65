/**
 * Column expressions that make DuckDB write ferry's text rules itself (so an
 * export runs at DuckDB's speed): DATETIME `yyyy-mm-dd hh:mm:ss` with `.fff`
 * when the value is whole milliseconds and `.ffffff` otherwise, BINARY base64,
 * floats `NaN`/`Infinity`, and, for JSON Lines, DECIMAL as an exact string
 * and FLOAT as its shortest text.
 */
import { parseType } from '@ferry/core';
import type { ColumnDef } from '../ddl-parser.js';
import type { ColumnExpr } from './views.js';

/** DATETIME/TIMESTAMP text as ferry writes it (formatDateTime). */
function dateTimeText(x: string, tz: boolean): string {
  const ts = tz ? `CAST(${x} AS TIMESTAMP)` : x;
  // DuckDB's VARCHAR cast drops trailing zeros of the fraction (.1); pad to ferry's 3 or 6 digits.
  return `CASE WHEN epoch_us(${ts}) % 1000000 = 0 THEN strftime(${ts}, '%Y-%m-%d %H:%M:%S') WHEN epoch_us(${ts}) % 1000 = 0 THEN strftime(${ts}, '%Y-%m-%d %H:%M:%S.%g') ELSE strftime(${ts}, '%Y-%m-%d %H:%M:%S.%f') END`;
}

function floatText(x: string): string {
  return `CASE WHEN isnan(${x}) THEN 'NaN' WHEN isinf(${x}) THEN (CASE WHEN ${x} > 0 THEN 'Infinity' ELSE '-Infinity' END) ELSE CAST(${x} AS VARCHAR) END`;
}

/** Expressions for a CSV export (every value becomes its text; NULL stays NULL). */
export const csvText: ColumnExpr = (x, c: ColumnDef) => {
  const t = parseType(c.type);
  switch (t.name) {
    case 'datetime':
      return dateTimeText(x, false);
    case 'timestamp':
      return dateTimeText(x, true);
    case 'binary':
      return `base64(${x})`;
    case 'double':
    case 'float':
      return floatText(x);
    default:
      return x;
  }
};

/** Expressions for a JSON Lines export: numbers stay numbers, exact values that JSON numbers would round become strings. */
export const jsonText: ColumnExpr = (x, c: ColumnDef) => {
  switch (parseType(c.type).name) {
    case 'decimal':
      return `CAST(${x} AS VARCHAR)`;
    // JSON has no NaN: non-finite values become strings, finite ones their shortest text as a JSON number.
    case 'double':
    case 'float':
      return `CASE WHEN isfinite(${x}) THEN CAST(CAST(${x} AS VARCHAR) AS JSON) ELSE to_json(${floatText(x)}) END`;
    // DATETIME, TIMESTAMP and BINARY as in CSV.
    default:
      return csvText(x, c);
  }
};
