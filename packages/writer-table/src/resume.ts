/**
 * Resuming a table write (`ferry run --resume`): a run that failed, was
 * cancelled or killed after some splits finished keeps its pending write
 * and the files those splits staged (`keepUntil`), and a later run of the
 * same job takes the write over and commits everything in one transaction.
 * It is refused when the partition was written since the write began, the
 * table was dropped, or the kept files are gone.
 */
import { statSync } from 'node:fs';
import { ErrorCodes, FerryError, selfIdentity, type WriterResume } from '@ferry/core';
import { partitionKey, tableKey, type DataFile, type PartitionMeta, type TableDef } from './catalog.js';
import { absPath } from './files.js';
import { dropLockSync, getPending, takeLockSync, updatePendingSync } from './pending.js';
import { openStore, type Store } from './store.js';
import type { TableWriteHandle } from './writer.js';

const where = (h: TableWriteHandle) => `${h.partition ? `partition ${h.partition} of ` : ''}table ${h.project}.${h.table}`;

/** Why the kept write of `handle` cannot be resumed, or undefined. */
export function whyNotResumable(store: Store, h: TableWriteHandle, files: DataFile[], now = Date.now()): string | undefined {
  const def = store.catalog.get(tableKey(h.project, h.table)) as TableDef | undefined;
  if (!def) return `table ${h.project}.${h.table} was dropped since`;
  if (def.id !== h.def.id) return `table ${h.project}.${h.table} was dropped and created again since`;
  const meta = store.partitions.get(partitionKey(h.project, h.table, h.partition)) as PartitionMeta | undefined;
  const current = meta?.lastModified ?? null;
  if (h.base !== undefined && current !== h.base) {
    return current === null
      ? `${where(h)} was dropped since the run began`
      : `${where(h)} was written since the run began (at ${new Date(current).toISOString()}); its kept splits would overwrite that`;
  }
  const w = getPending(store, h.writeId);
  if (!w) return `its staged files were reclaimed (the retention passed, or \`ferry table gc --resumable\` freed them)`;
  if (w.keepUntil === undefined || w.keepUntil <= now)
    return `its staged files were not kept for a resume (or the retention passed at ${w.keepUntil ? new Date(w.keepUntil).toISOString() : 'its start'})`;
  for (const f of files) {
    try {
      statSync(absPath(store.dir, f.path));
    } catch {
      return `its staged file ${f.path} is gone from ${store.dir}`;
    }
  }
  return undefined;
}

export function tableResume(prepared: Set<string>, release: (store: Store, writeId: string) => Promise<void>): WriterResume<TableWriteHandle, DataFile> {
  return {
    async keep(h, until) {
      const store = openStore(h.storeDir);
      try {
        const ok = store.env.transactionSync(() => updatePendingSync(store, h.writeId, (w) => ({ ...w, keepUntil: until })));
        if (!ok) throw new FerryError(ErrorCodes.STORE, `write ${h.writeId} is no longer pending in ${store.dir} (aborted, or reclaimed as crashed)`);
        await store.env.flushed;
      } finally {
        await store.close();
      }
    },

    async release(h) {
      const store = openStore(h.storeDir);
      try {
        store.env.transactionSync(() => {
          const w = updatePendingSync(store, h.writeId, (p) => ({ ...p, released: true }));
          if (w) dropLockSync(store, w);
        });
        await store.env.flushed;
      } finally {
        await release(store, h.writeId);
      }
    },

    check(h, segments) {
      const store = openStore(h.storeDir, { mustExist: true });
      try {
        return whyNotResumable(store, h, segments.flat());
      } finally {
        void store.close();
      }
    },

    async adopt(h, segments) {
      const store = openStore(h.storeDir, { mustExist: true });
      let held = false;
      try {
        const now = Date.now();
        const why = store.env.transactionSync(() => {
          const reason = whyNotResumable(store, h, segments.flat(), now);
          if (reason) return reason;
          const w = updatePendingSync(store, h.writeId, (p) => ({ ...p, pid: process.pid, proc: selfIdentity(), released: false }))!;
          const holder = takeLockSync(store, w);
          if (holder) return `${where(h)} is being written by another job (pid ${holder.pid}, since ${holder.since}); wait for it to finish`;
          return undefined;
        });
        if (why) throw new FerryError(ErrorCodes.USAGE, `cannot resume the write into ${where(h)}: ${why}; run the job without --resume`);
        held = true;
        await store.env.flushed;
        // The store stays open (ref held) until commit or abort, as after prepare.
        prepared.add(h.writeId);
        return h;
      } finally {
        if (!held) await store.close();
      }
    },
  };
}
