/**
 * Lifecycle (MaxCompute semantics): a table with `LIFECYCLE n` loses each
 * partition whose last modification is more than n days before `now`; an
 * unpartitioned table loses its data (the definition stays).
 */
import { listTables, partitionRange, type PartitionMeta, type TableDef } from './catalog.js';
import { listDataFiles, pruneEmptyDirs, removeFile } from './files.js';
import { listPending } from './pending.js';
import type { Store } from './store.js';
import { purgeTrash, trashPathsRel, trashSync } from './trash.js';

const DAY_MS = 86_400_000;

/** A partition gc dropped (or would drop). */
export interface ExpiredPartition {
  table: string;
  partition: string;
  rows: number;
  lastModified: string;
}

export interface GcOptions {
  /** The time to judge expiry against (default: now). */
  now?: Date | number | string;
  /** Only this table. */
  table?: string;
  /** Report what would go without dropping it. */
  dryRun?: boolean;
}

/** When a partition expires (ms since the epoch): its last modification plus the table's LIFECYCLE days; undefined without one. */
export function partitionExpiry(def: Pick<TableDef, 'lifecycle'>, meta: Pick<PartitionMeta, 'lastModified'>): number | undefined {
  return def.lifecycle ? meta.lastModified + def.lifecycle * DAY_MS : undefined;
}

/** Drops the expired partitions of a project's tables in one transaction; their files go once no reader needs them. */
export async function gc(store: Store, project: string, opts: GcOptions = {}): Promise<ExpiredPartition[]> {
  const now = opts.now === undefined ? Date.now() : new Date(opts.now).getTime();
  if (Number.isNaN(now)) throw new Error(`gc: invalid time ${String(opts.now)}`);
  const tables = listTables(store, project).filter((d) => d.lifecycle && (!opts.table || d.name === opts.table.toLowerCase()));
  const expired: { key: string; meta: PartitionMeta; def: TableDef }[] = [];
  for (const def of tables) {
    for (const { key, value } of store.partitions.getRange(partitionRange(project, def.name))) {
      const meta = value as PartitionMeta;
      if (partitionExpiry(def, meta)! < now) expired.push({ key: String(key), meta, def });
    }
  }
  const out = expired.map(({ meta, def }) => ({ table: def.name, partition: meta.spec, rows: meta.rows, lastModified: new Date(meta.lastModified).toISOString() }));
  if (expired.length === 0 || opts.dryRun) return out;
  store.env.transactionSync(() => {
    const paths: string[] = [];
    for (const { key, meta } of expired) {
      // A commit may have refreshed it since the scan: re-check inside the transaction.
      const current = store.partitions.get(key) as PartitionMeta | undefined;
      if (!current || current.lastModified !== meta.lastModified) continue;
      for (const f of current.files) paths.push(f.path);
      store.partitions.removeSync(key);
    }
    trashSync(store, paths);
  });
  await store.env.flushed;
  await purgeTrash(store);
  return out;
}

/**
 * Deletes data files nothing refers to: not listed by a partition, not in
 * the removal queue, not staged by a pending write. Leftovers of a channel
 * that kept writing after its job was aborted, or of a bug. Returns how
 * many were deleted.
 */
export async function sweepOrphans(store: Store): Promise<number> {
  await purgeTrash(store);
  const started = Date.now();
  // Pending writes first, then the disk, then the catalog: a file listed on disk belongs to a write
  // that was pending at the first read, or committed by the last read, or began after `started`.
  const pending = listPending(store).map((w) => `${w.writeId}-`);
  const onDisk = listDataFiles(store.dir);
  if (onDisk.length === 0) return 0;
  const live = new Set<string>(trashPathsRel(store));
  for (const { value } of store.partitions.getRange()) for (const f of (value as PartitionMeta).files) live.add(f.path);
  let deleted = 0;
  for (const path of onDisk) {
    if (live.has(path)) continue;
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (pending.some((p) => name.startsWith(p))) continue;
    // A write id starts with its start time (base 36): a write newer than this sweep is not an orphan.
    const born = parseInt(name.slice(0, name.indexOf('-')), 36);
    if (!Number.isNaN(born) && born >= started - 1000) continue;
    removeFile(store.dir, path);
    pruneEmptyDirs(store.dir, path.slice(0, path.lastIndexOf('/')));
    deleted++;
  }
  return deleted;
}
