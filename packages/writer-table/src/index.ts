/**
 * @ferry/writer-table: the table store (catalog, DDL, partitions, atomic
 * commit, lifecycle, scan/export) and, as the default export, the `table`
 * writer plugin.
 */
import tableWriter from './writer.js';

export default tableWriter;
export { openStore, resolveStoreDir, type Store } from './store.js';
export { tableSettings, type TableSettings } from './settings.js';
export { listPending, reclaimDeadWrites, selfIdentity, ownerAlive, type PendingWrite, type ProcIdentity } from './pending.js';
export { parseDdl, formatDdl, type ColumnDef, type CreateTable } from './ddl-parser.js';
export {
  createTable, getTable, requireTable, listTables, listProjects, listPartitions, dropTable, tableSchema,
  type TableDef, type PartitionMeta, type SegmentRef, type CreateResult,
} from './catalog.js';
export { parseSpec, specText, writeSpec } from './partition-spec.js';
export { countRows, scanBatches, scanSchema, type ScanOptions } from './scan.js';
export { exportRows, headText, EXPORT_FORMATS, type ExportFormat, type ExportOptions } from './export.js';
export { gc, sweepOrphans, type ExpiredPartition, type GcOptions } from './lifecycle.js';
export { openChannel, type TableWriteHandle, type TableWriterConfig } from './writer.js';
export { commitWrite, type CommitResult } from './commit.js';
export { SegmentWriter, DEFAULT_SEGMENT_BYTES, encodeSegment } from './segment-writer.js';
export { countSegments, type CompressionMode } from './segments.js';
