/**
 * One consistent read of the catalog for queries: every table of the store
 * with its committed partitions and their data files, taken in a single
 * LMDB read transaction after the read lease, so a commit that lands later
 * neither tears the picture nor deletes a file it lists.
 */
import { partitionRange, type PartitionMeta, type TableDef } from '../catalog.js';
import { absPath } from '../files.js';
import { specPairs } from '../partition-spec.js';
import type { Store } from '../store.js';

/** A committed data file as a query sees it. */
export interface SnapshotFile {
  /** Absolute path. */
  path: string;
  rows: number;
  bytes: number;
}

/** A committed partition as a query sees it. */
export interface SnapshotPartition {
  /** Canonical spec, '' for a non-partitioned table. */
  spec: string;
  /** Partition column -> canonical value text. */
  values: Record<string, string>;
  rows: number;
  bytes: number;
  files: SnapshotFile[];
}

/** A table with its partitions, in spec order. */
export interface SnapshotTable {
  def: TableDef;
  partitions: SnapshotPartition[];
}

/** The catalog as of one read transaction: tables by `project.table`. */
export interface CatalogSnapshot {
  tables: Map<string, SnapshotTable>;
}

/** Reads every table and its committed files (paths made absolute) in one read transaction. */
export function readSnapshot(store: Store): CatalogSnapshot {
  const tables = new Map<string, SnapshotTable>();
  const txn = store.env.useReadTransaction();
  try {
    for (const { value } of store.catalog.getRange({ transaction: txn as never })) {
      const def = value as TableDef;
      if (!def || !Array.isArray(def.columns)) continue;
      const partitions: SnapshotPartition[] = [];
      for (const { value: p } of store.partitions.getRange({ ...partitionRange(def.project, def.name), transaction: txn as never })) {
        partitions.push(toPartition(store, p as PartitionMeta));
      }
      tables.set(`${def.project}.${def.name}`, { def, partitions });
    }
  } finally {
    txn.done();
  }
  return { tables };
}

function toPartition(store: Store, p: PartitionMeta): SnapshotPartition {
  return {
    spec: p.spec,
    values: p.values ?? Object.fromEntries(specPairs(p.spec)),
    rows: p.rows,
    bytes: p.bytes,
    files: (p.files ?? []).map((f) => ({ path: absPath(store.dir, f.path), rows: f.rows, bytes: f.bytes })),
  };
}
