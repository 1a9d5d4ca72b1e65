/** The query side of the store: DuckDB sessions over committed files, export and head. */
export { SqlSession, type SqlSessionOptions, type StatementResult } from './session.js';
export { readSnapshot, type CatalogSnapshot, type SnapshotTable, type SnapshotPartition, type SnapshotFile } from './catalog-snapshot.js';
export { writeResult, SQL_FORMATS, type SqlFormat, type WriteResultOptions } from './result-writer.js';
export { copyExport, type CopyFormat, type CopyExportOptions } from './export-copy.js';
export { arrowExport, type ArrowExportOptions } from './arrow-export.js';
export { headTable, headRows, type HeadOptions } from './head.js';
export { displayWidth, textGrid } from './display-width.js';
export { duckError, errorPosition } from './duck-error.js';
export { tableSelect } from './views.js';
