/**
 * Publishing a write: every channel's staged Parquet files become the
 * partition's file list (overwrite) or join it (append) in one LMDB
 * transaction, synced to disk before the commit returns. The files were
 * fsynced (file and folder) by the channels before.
 */
import { statSync } from 'node:fs';
import { ErrorCodes, FerryError } from '@ferry/core';
import { partitionKey, tableKey, type DataFile, type PartitionMeta, type TableDef } from './catalog.js';
import { absPath, filesOfWrite, partitionDir, removeFile } from './files.js';
import { dropKeptWritesOf, finishWriteSync, getPending, reclaimDeadWrites, type PendingWrite } from './pending.js';
import { specPairs } from './partition-spec.js';
import { storeIoError } from './disk-space.js';
import type { Store } from './store.js';
import { purgeTrash, trashSync } from './trash.js';

/** What a commit reports (the run summary shows it). */
export interface CommitResult {
  table: string;
  partition: string;
  writeMode: 'overwrite' | 'append';
  /** Rows and files this write added. */
  rowsWritten: number;
  filesWritten: number;
  bytesWritten: number;
  /** The partition after the commit. */
  partitionRows: number;
  partitionFiles: number;
  /** Rows the overwrite replaced. */
  rowsReplaced: number;
}

/**
 * Publishes the files of a pending write. Refuses (publishing nothing) when
 * the write is no longer pending, or the table was dropped, or dropped and
 * re-created, since the write began. Staged files of the write that are not
 * listed (a channel that failed after staging) are deleted; the old files of
 * an overwritten partition go to the removal queue (deleted once no reader
 * needs them). `alsoInTransaction` runs inside the commit's transaction
 * (the writer saves incremental state there, so it commits with the data).
 * Writes kept for a resume of the same partition are dropped: the partition
 * was written since, so they cannot be resumed.
 */
export async function commitWrite(store: Store, writeId: string, files: DataFile[], mode: 'overwrite' | 'append', now = Date.now(), alsoInTransaction?: () => void): Promise<CommitResult> {
  const pending = getPending(store, writeId);
  if (!pending) throw new FerryError(ErrorCodes.STORE, `write ${writeId} is no longer pending in ${store.dir} (aborted, or reclaimed as crashed); nothing was published`);
  const dir = partitionDir(pending.project, pending.table, pending.partition);
  const listed = new Set<string>();
  for (const f of files) {
    if (!f.path.startsWith(`${dir}/${writeId}-`)) throw new Error(`file ${f.path} does not belong to write ${writeId}`);
    try {
      statSync(absPath(store.dir, f.path));
    } catch {
      throw new FerryError(ErrorCodes.STORE, `staged file ${f.path} is missing in ${store.dir}; nothing was published`);
    }
    listed.add(f.path);
  }
  let result: CommitResult;
  try {
    result = publish();
    // The commit is visible now; it is durable once flushed.
    await store.env.flushed;
  } catch (err) {
    throw storeIoError(store.dir, err);
  }
  // Files the write staged but did not list (a failed channel's): nobody can see them.
  for (const f of filesOfWrite(store.dir, dir, writeId)) if (!listed.has(f)) removeFile(store.dir, f);
  // Leftovers of writers that died since this process opened the store, and files no reader needs any more.
  reclaimDeadWrites(store);
  dropKeptWritesOf(store, pending, writeId);
  await purgeTrash(store);
  return result;

  function publish(): CommitResult {
    return store.env.transactionSync((): CommitResult => {
      const w: PendingWrite | undefined = getPending(store, writeId);
      if (!w) throw new FerryError(ErrorCodes.STORE, `write ${writeId} is no longer pending in ${store.dir} (aborted, or reclaimed as crashed); nothing was published`);
      const def = store.catalog.get(tableKey(w.project, w.table)) as TableDef | undefined;
      if (!def) throw new FerryError(ErrorCodes.NOT_FOUND, `table ${w.project}.${w.table} was dropped during the write; nothing was published`);
      if (w.tableId && def.id !== w.tableId) {
        throw new FerryError(ErrorCodes.STORE, `table ${w.project}.${w.table} was dropped and created again during the write; nothing was published (the new table is unchanged)`);
      }
      const pkey = partitionKey(w.project, w.table, w.partition);
      const old = store.partitions.get(pkey) as PartitionMeta | undefined;
      const added = files.map((f) => ({ ...f }));
      let kept: DataFile[] = [];
      if (old && mode === 'append') kept = old.files;
      else if (old)
        trashSync(
          store,
          old.files.map((f) => f.path),
        );
      const all = kept.concat(added);
      const meta: PartitionMeta = {
        spec: w.partition,
        values: Object.fromEntries(specPairs(w.partition)),
        rows: sum(all, 'rows'),
        bytes: sum(all, 'bytes'),
        files: all,
        lastModified: now,
        createdAt: old?.createdAt ?? now,
      };
      store.partitions.putSync(pkey, meta);
      finishWriteSync(store, w);
      alsoInTransaction?.();
      return {
        table: `${w.project}.${w.table}`,
        partition: w.partition,
        writeMode: mode,
        rowsWritten: sum(added, 'rows'),
        filesWritten: added.length,
        bytesWritten: sum(added, 'bytes'),
        partitionRows: meta.rows,
        partitionFiles: all.length,
        rowsReplaced: old && mode === 'overwrite' ? old.rows : 0,
      };
    });
  }
}

function sum(list: DataFile[], field: 'rows' | 'bytes'): number {
  let n = 0;
  for (const s of list) n += s[field];
  return n;
}
