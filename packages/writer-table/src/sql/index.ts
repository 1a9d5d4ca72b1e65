/**
 * `@ferry/writer-table/sql`: the query side of the store (DuckDB sessions
 * over committed files, export and head). A separate entry point because
 * loading DuckDB's native module takes ~0.6 s: only commands that query pay it.
 */
export { SqlSession, type SqlSessionOptions, type StatementResult, type PreparedText } from './session.js';
export { readSnapshot, type CatalogSnapshot, type SnapshotTable, type SnapshotPartition, type SnapshotFile } from './catalog-snapshot.js';
export { writeResult, SQL_FORMATS, type SqlFormat, type WriteResultOptions } from './result-writer.js';
export { copyExport, type CopyFormat, type CopyExportOptions } from './export-copy.js';
export { arrowExport, type ArrowExportOptions } from './arrow-export.js';
export { headTable, headRows, type HeadOptions } from './head.js';
export { readResultRows, type ResultRows } from './result-text.js';
export { displayWidth, textGrid } from './display-width.js';
export { duckError, errorPosition, sqlErrorAt, type SqlErrorAt } from './duck-error.js';
export { tableSelect } from './views.js';
export { runScript, type ScriptOptions, type ScriptHandlers, type ScriptSummary, type ScriptSource } from './script.js';
export { insertSelect, castExpr, type InsertOptions, type InsertResult } from './insert-select.js';
export { MAXCOMPUTE_MACROS, rewriteMaxCompute, type MacroDef } from './maxcompute.js';
export { listFunctions, getFunction, dropFunction, type FunctionDef } from './functions.js';
export { applyEdits, compose, lineColumn, type Edit, type MappedText } from './text-edits.js';
export { splitStatements, classify, type ScriptStatement, type ClassifiedStatement, type InsertStatement } from './statements.js';
