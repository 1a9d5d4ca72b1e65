/**
 * A SQL script as statements, and what kind each one is. DuckDB cannot
 * split a script that holds MaxCompute's `INSERT OVERWRITE TABLE ...
 * PARTITION (...)` (it is not DuckDB syntax), so ferry splits on `;`
 * outside quotes and comments itself, then recognises its write statements
 * by their leading words; everything else goes to DuckDB as a query.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import { isFunctionStatement, parseFunctionStatement, type CreateFunction, type DropFunction } from './functions.js';

export { applyEdits, lineColumn, type Edit, type MappedText } from './text-edits.js';
export type { CreateFunction, DropFunction, FunctionDef } from './functions.js';

/** One statement of a script. */
export interface ScriptStatement {
  /** The statement text (without the closing `;`). */
  text: string;
  /** 1-based line of the script where it starts (for messages). */
  line: number;
  /** Offset in the script where it starts. */
  offset: number;
}

/** Splits a script on `;` outside '...', "...", `...`, -- and /* *\/ comments; empty statements are dropped. */
export function splitStatements(script: string): ScriptStatement[] {
  const out: ScriptStatement[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const raw = script.slice(start, end);
    if (stripComments(raw).trim()) {
      const lead = raw.length - raw.trimStart().length;
      out.push({ text: raw.trim(), line: lineAt(script, start + lead), offset: start + lead });
    }
    start = end + 1;
  };
  while (i < script.length) {
    const c = script[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const close = script.indexOf(c, i + 1);
      i = close < 0 ? script.length : close + 1;
    } else if (c === '-' && script[i + 1] === '-') {
      const nl = script.indexOf('\n', i);
      i = nl < 0 ? script.length : nl + 1;
    } else if (c === '/' && script[i + 1] === '*') {
      const close = script.indexOf('*/', i + 2);
      i = close < 0 ? script.length : close + 2;
    } else if (c === ';') {
      push(i);
      i++;
    } else i++;
  }
  push(script.length);
  return out;
}

function lineAt(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** The text with -- and /* *\/ comments blanked (same length and lines; quotes kept as they are). */
export function stripComments(text: string): string {
  return text.replace(/('(?:[^']|'')*'|"(?:[^"]|"")*")|--[^\n]*|\/\*[\s\S]*?\*\//g, (m, q: string | undefined) => q ?? m.replace(/[^\n]/g, ' '));
}

/** An `INSERT OVERWRITE|INTO [TABLE] t [PARTITION (spec)] SELECT ...` statement. */
export interface InsertStatement {
  kind: 'insert';
  mode: 'overwrite' | 'append';
  /** `table` or `project.table`, as written (unquoted). */
  table: string;
  /** The partition spec as written inside PARTITION (...), or undefined. */
  partition?: string;
  /** The query whose rows are written. */
  select: string;
  /** Offset of the query in the statement text (for error positions). */
  selectOffset: number;
  /** Offset of the partition spec (inside PARTITION (...)) in the statement text, when there is one. */
  partitionOffset?: number;
}

/** What a statement of a script does. */
export type ClassifiedStatement = InsertStatement | CreateFunction | DropFunction | { kind: 'create'; text: string } | { kind: 'query'; text: string };

const NAME = String.raw`(?:"[^"]+"|\x60[^\x60]+\x60|[A-Za-z_][A-Za-z0-9_]*)`;
const INSERT_RE = new RegExp(String.raw`^insert\s+(overwrite|into)\s+(?:table\s+)?(${NAME}(?:\s*\.\s*${NAME})?)\s*(?:partition\s*\(([^)]*)\)\s*)?`, 'di');

const unquote = (name: string) => name.replace(/\s+/g, '').replace(/["`]/g, '');

/**
 * Says what a statement is: a write into a table, a CREATE TABLE for the
 * store, a user function, or a query for DuckDB. `project` is the current
 * one (where a function without a project goes).
 */
export function classify(text: string, project = ''): ClassifiedStatement {
  const blanked = stripComments(text);
  const lead = blanked.length - blanked.trimStart().length;
  const body = blanked.trim();
  if (/^create\s+(?:external\s+)?table\b/i.test(body)) return { kind: 'create', text };
  if (isFunctionStatement(body)) return parseFunctionStatement(text, blanked, project);
  if (!/^insert\b/i.test(body)) return { kind: 'query', text };
  const m = INSERT_RE.exec(body);
  if (!m) {
    throw new FerryError(ErrorCodes.SQL, `cannot read the INSERT statement ${JSON.stringify(body.slice(0, 60))}: expected INSERT OVERWRITE|INTO TABLE name [PARTITION (col='value', ...)] SELECT ...`);
  }
  const rest = body.slice(m[0].length);
  const select = rest.trim();
  const selectOffset = lead + m[0].length + (rest.length - rest.trimStart().length);
  if (!/^(select|with|from|values|\()/i.test(select)) {
    throw new FerryError(
      ErrorCodes.SQL,
      `INSERT ${m[1]!.toUpperCase()} ${unquote(m[2]!)}: expected a SELECT after the table${m[3] !== undefined ? ' and partition' : ''}, got ${JSON.stringify(select.slice(0, 30))} (column lists are not supported: select the table's columns in order)`,
    );
  }
  const spec = m.indices?.[3];
  const partitionOffset = spec && m[3] !== undefined ? lead + spec[0] + (m[3].length - m[3].trimStart().length) : undefined;
  return {
    kind: 'insert',
    mode: m[1]!.toLowerCase() === 'overwrite' ? 'overwrite' : 'append',
    table: unquote(m[2]!),
    partition: m[3]?.trim(),
    select: text.slice(selectOffset, selectOffset + select.length),
    selectOffset,
    ...(partitionOffset !== undefined ? { partitionOffset } : {}),
  };
}
