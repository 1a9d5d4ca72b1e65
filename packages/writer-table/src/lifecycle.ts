/**
 * Lifecycle (MaxCompute semantics): a table with `LIFECYCLE n` loses each
 * partition whose last modification is more than n days before `now`; an
 * unpartitioned table loses its data (the definition stays).
 */
import { listTables, partitionRange, type PartitionMeta, type TableDef } from './catalog.js';
import { listPending } from './pending.js';
import { removeSegmentSync, segmentKeys } from './segments.js';
import type { Store } from './store.js';

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

/** Drops the expired partitions of a project's tables (and frees their segments) in one transaction. */
export async function gc(store: Store, project: string, opts: GcOptions = {}): Promise<ExpiredPartition[]> {
  const now = opts.now === undefined ? Date.now() : new Date(opts.now).getTime();
  if (Number.isNaN(now)) throw new Error(`gc: invalid time ${String(opts.now)}`);
  const tables = listTables(store, project).filter((d) => d.lifecycle && (!opts.table || d.name === opts.table.toLowerCase()));
  const expired: { key: string; meta: PartitionMeta; def: TableDef }[] = [];
  for (const def of tables) {
    const limit = now - def.lifecycle! * DAY_MS;
    for (const { key, value } of store.partitions.getRange(partitionRange(project, def.name))) {
      const meta = value as PartitionMeta;
      if (meta.lastModified < limit) expired.push({ key: String(key), meta, def });
    }
  }
  const out = expired.map(({ meta, def }) => ({ table: def.name, partition: meta.spec, rows: meta.rows, lastModified: new Date(meta.lastModified).toISOString() }));
  if (expired.length === 0 || opts.dryRun) return out;
  store.env.transactionSync(() => {
    for (const { key, meta } of expired) {
      // A commit may have refreshed it since the scan: re-check inside the transaction.
      const current = store.partitions.get(key) as PartitionMeta | undefined;
      if (!current || current.lastModified !== meta.lastModified) continue;
      for (const s of current.segments) removeSegmentSync(store, s.key);
      store.partitions.removeSync(key);
    }
  });
  await store.env.flushed;
  return out;
}

/**
 * Deletes segments no partition lists and no pending write owns: leftovers
 * of a channel that kept writing after its job was aborted, or of a bug.
 * Runs in one write transaction, so commits cannot interleave. Returns how
 * many were deleted.
 */
export async function sweepOrphans(store: Store): Promise<number> {
  const n = store.env.transactionSync(() => {
    const live = new Set<string>();
    for (const { value } of store.partitions.getRange()) for (const s of (value as PartitionMeta).segments) live.add(s.key);
    const pending = new Set(listPending(store).map((w) => w.writeId));
    let deleted = 0;
    for (const key of segmentKeys(store, { start: '', end: '\uffff' })) {
      if (live.has(key) || pending.has(key.slice(0, key.indexOf('/')))) continue;
      removeSegmentSync(store, key);
      deleted++;
    }
    return deleted;
  });
  if (n > 0) await store.env.flushed;
  return n;
}
