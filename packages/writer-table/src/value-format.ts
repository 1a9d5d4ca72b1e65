/**
 * Cells of text output (query results as CSV or JSON Lines): RFC 4180
 * quoting with NULL as an empty field and an empty string as `""`; JSON
 * with numbers bare and non-finite floats quoted.
 */

/** How a column's text goes into JSON: bare (numbers, booleans) or as a JSON string. */
export type JsonKind = 'bare' | 'string';

/** The JSON text of a cell: strings quoted; non-finite floats quoted too ("NaN"), since JSON has no such numbers. */
export function jsonCell(kind: JsonKind, text: string | null): string {
  if (text === null) return 'null';
  if (kind === 'bare') {
    if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return `"${text}"`;
    return text;
  }
  return JSON.stringify(text);
}

const CSV_SPECIAL = /[",\r\n]/;

/** An RFC 4180 field: NULL is empty, an empty string is `""`, special characters are quoted. */
export function csvCell(text: string | null): string {
  if (text === null) return '';
  if (text === '') return '""';
  return CSV_SPECIAL.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
