/**
 * Publishing a write: every channel's staged segments become the partition's
 * content (overwrite) or join it (append) in one LMDB transaction, synced to
 * disk before the commit returns.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import { partitionKey, tableKey, type PartitionMeta, type SegmentRef, type TableDef } from './catalog.js';
import { finishWriteSync, getPending, segmentRange, type PendingWrite } from './pending.js';
import { removeSegmentSync, segmentDb, segmentKeys } from './segments.js';
import type { Store } from './store.js';

/** What a commit reports (the run summary shows it). */
export interface CommitResult {
  table: string;
  partition: string;
  writeMode: 'overwrite' | 'append';
  /** Rows and segments this write added. */
  rowsWritten: number;
  segmentsWritten: number;
  bytesWritten: number;
  /** The partition after the commit. */
  partitionRows: number;
  partitionSegments: number;
  /** Rows the overwrite replaced. */
  rowsReplaced: number;
}

/**
 * Publishes the segments of a pending write. Staged segments of the write
 * that are not listed (a channel that failed after staging) are deleted in
 * the same transaction; the old segments of an overwritten partition too.
 */
export async function commitWrite(
  store: Store,
  writeId: string,
  segments: SegmentRef[],
  mode: 'overwrite' | 'append',
  now = Date.now(),
): Promise<CommitResult> {
  const result = store.env.transactionSync((): CommitResult => {
    const w: PendingWrite | undefined = getPending(store, writeId);
    if (!w) throw new FerryError(ErrorCodes.STORE, `write ${writeId} is no longer pending in ${store.dir} (aborted, or reclaimed as crashed); nothing was published`);
    const def = store.catalog.get(tableKey(w.project, w.table)) as TableDef | undefined;
    if (!def) throw new FerryError(ErrorCodes.NOT_FOUND, `table ${w.project}.${w.table} was dropped during the write; nothing was published`);
    const listed = new Set<string>();
    for (const s of segments) {
      if (!s.key.startsWith(`${writeId}/`)) throw new Error(`segment ${s.key} does not belong to write ${writeId}`);
      if (!segmentDb(store, s.key).doesExist(s.key)) throw new FerryError(ErrorCodes.STORE, `staged segment ${s.key} is missing in ${store.dir}; nothing was published`);
      listed.add(s.key);
    }
    for (const key of segmentKeys(store, segmentRange(writeId))) {
      if (!listed.has(key)) removeSegmentSync(store, key);
    }
    const pkey = partitionKey(w.project, w.table, w.partition);
    const old = store.partitions.get(pkey) as PartitionMeta | undefined;
    const added = segments.map((s) => ({ key: s.key, rows: s.rows, bytes: s.bytes }));
    let kept: SegmentRef[] = [];
    if (old && mode === 'append') kept = old.segments;
    else if (old) for (const s of old.segments) removeSegmentSync(store, s.key);
    const all = kept.concat(added);
    const meta: PartitionMeta = {
      spec: w.partition,
      rows: sum(all, 'rows'),
      bytes: sum(all, 'bytes'),
      segments: all,
      lastModified: now,
      createdAt: old?.createdAt ?? now,
    };
    store.partitions.putSync(pkey, meta);
    finishWriteSync(store, w);
    return {
      table: `${w.project}.${w.table}`,
      partition: w.partition,
      writeMode: mode,
      rowsWritten: sum(added, 'rows'),
      segmentsWritten: added.length,
      bytesWritten: sum(added, 'bytes'),
      partitionRows: meta.rows,
      partitionSegments: all.length,
      rowsReplaced: old && mode === 'overwrite' ? old.rows : 0,
    };
  });
  // The commit is visible now; it is durable once flushed.
  await store.env.flushed;
  return result;
}

function sum(list: SegmentRef[], field: 'rows' | 'bytes'): number {
  let n = 0;
  for (const s of list) n += s[field];
  return n;
}
