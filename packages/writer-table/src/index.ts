/**
 * @ferry/writer-table: the table store (catalog, DDL, partitions, atomic
 * commit, lifecycle, scan/export) and, as the default export, the `table`
 * writer plugin.
 */
import tableWriter from './writer.js';

export default tableWriter;
export { openStore, resolveStoreDir, STORE_FORMAT, type Store, type OpenOptions } from './store.js';
export { tableSettings, type TableSettings } from './settings.js';
export { listPending, reclaimDeadWrites, reclaimKeptWrites, selfIdentity, ownerAlive, type PendingWrite, type ProcIdentity } from './pending.js';
export { acquireReadLease, liveLeases, type ReadLease } from './read-lease.js';
export { purgeTrash, trashedFiles } from './trash.js';
export { listDataFiles, partitionDir, absPath, ensureDir } from './files.js';
export { parseDdl, formatDdl, type ColumnDef, type CreateTable } from './ddl-parser.js';
export {
  createTable,
  getTable,
  requireTable,
  listTables,
  listProjects,
  listPartitions,
  dropTable,
  tableSchema,
  partitionKey,
  MAX_NAME_LENGTH,
  type TableDef,
  type PartitionMeta,
  type DataFile,
  type ColumnStats,
  type CreateResult,
} from './catalog.js';
export { parseSpec, specText, writeSpec } from './partition-spec.js';
export { countRows, scanBatches, scanSchema, type ScanOptions } from './scan.js';
export { exportRows, headText, EXPORT_FORMATS, type ExportFormat, type ExportOptions } from './export.js';
export { gc, partitionExpiry, sweepOrphans, type ExpiredPartition, type GcOptions } from './lifecycle.js';
export type { TableWriteHandle, TableWriterConfig } from './writer.js';
export { openChannel } from './channel-sink.js';
export { listStates, findState, getState, setStateValue, removeState, stateKey, type SavedState } from './sync-state.js';
export { commitWrite, type CommitResult } from './commit.js';
export { ParquetWriter, DEFAULT_FILE_BYTES, type ParquetWriterOptions } from './parquet-writer.js';
export { COMPRESSIONS, DEFAULT_COMPRESSION, type CompressionName } from './parquet-codec.js';
export { freeBytes } from './disk-space.js';
export { upgradeStore, type UpgradeResult } from './upgrade.js';
