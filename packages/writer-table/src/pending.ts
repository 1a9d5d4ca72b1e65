/**
 * Pending writes and partition locks. A write records itself (write id, pid,
 * destination, table id) before it stages any file, and takes the
 * partition's lock in the same transaction; commit or abort removes both. A
 * record whose process is dead is a crashed write: its staged files (named
 * `<writeId>-...` in the partition folder) are deleted and its lock taken
 * over. A resumable run's write records `keepUntil`: its staged files
 * outlive its process until then (see resume.ts).
 */
import { randomBytes } from 'node:crypto';
import { ErrorCodes, FerryError, ownerAlive, selfIdentity, type ProcIdentity } from '@ferry/core/channel';

export { isAlive, ownerAlive, selfIdentity, type ProcIdentity } from '@ferry/core/channel';
import { filesOfWrite, partitionDir, pruneEmptyDirs, removeFile } from './files.js';
import { partitionKey, type PartitionMeta } from './catalog.js';
import type { Store } from './store.js';

/** What a pending write records about itself. */
export interface PendingWrite {
  writeId: string;
  pid: number;
  /** Identity of the owner process beyond its pid (boot id, start time), so a reused pid is not taken for it. */
  proc?: ProcIdentity;
  project: string;
  table: string;
  /** Canonical partition spec (`dt=20240620/hh=01`), '' for a non-partitioned table. */
  partition: string;
  /** The id of the table when the write began: the commit refuses a dropped and re-created table. */
  tableId?: string;
  startedAt: string;
  /** The partition's lastModified when the write began (null: it did not exist): a resume refuses a partition written since. */
  base?: number | null;
  /**
   * A resumable run's write (ms since the epoch): its staged files are kept
   * until then even when its process is dead, for `ferry run --resume`.
   */
  keepUntil?: number;
  /** The run failed and let go of the partition; its staged files wait for a resume until keepUntil. */
  released?: boolean;
}

interface Lock {
  writeId: string;
  pid: number;
  proc?: ProcIdentity;
  since: string;
}

const pendingKey = (writeId: string) => `w/${writeId}`;
/** The key of a partition's lock. */
export const lockKey = (project: string, table: string, partition: string) => `l/${project}/${table}/${partition}`;

/** A unique, sortable write id. */
export function newWriteId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${process.pid.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** True while a write's staged files are kept for a resume. */
export function isKept(w: PendingWrite, now = Date.now()): boolean {
  return w.keepUntil !== undefined && w.keepUntil > now;
}

/** True when nobody will finish the write: its process is dead or it let go (a failed resumable run). */
function abandoned(w: PendingWrite): boolean {
  return Boolean(w.released) || !ownerAlive(w.pid, w.proc);
}

/** Removes a write's pending record and lock (inside a write transaction). */
function dropWriteSync(store: Store, w: PendingWrite): void {
  store.writes.removeSync(pendingKey(w.writeId));
  const lk = lockKey(w.project, w.table, w.partition);
  const lock = store.writes.get(lk) as Lock | undefined;
  if (lock?.writeId === w.writeId) store.writes.removeSync(lk);
}

/** Deletes the files a write staged (never listed by the catalog, so no reader uses them). */
export function removeStagedFiles(store: Store, w: { writeId: string; project: string; table: string; partition: string }): void {
  const dir = partitionDir(w.project, w.table, w.partition);
  for (const f of filesOfWrite(store.dir, dir, w.writeId)) removeFile(store.dir, f);
  pruneEmptyDirs(store.dir, dir);
}

/**
 * Starts a write: takes the partition lock and records the pending write,
 * in one transaction. A lock held by a live process makes this wait up to
 * `waitMs`, then fail naming the partition and the holder's pid; a lock of a
 * dead process is taken over after deleting its staged files.
 */
export async function beginWrite(
  store: Store,
  dest: { project: string; table: string; partition: string; tableId?: string },
  opts: { waitMs?: number; signal?: AbortSignal } = {},
): Promise<PendingWrite> {
  const w: PendingWrite = { writeId: newWriteId(), pid: process.pid, proc: selfIdentity(), ...dest, startedAt: new Date().toISOString(), base: null };
  const lk = lockKey(dest.project, dest.table, dest.partition);
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (;;) {
    let stale: PendingWrite | undefined;
    const holder = store.env.transactionSync(() => {
      const lock = store.writes.get(lk) as Lock | undefined;
      if (lock && ownerAlive(lock.pid, lock.proc)) return lock;
      if (lock) {
        stale = store.writes.get(pendingKey(lock.writeId)) as PendingWrite | undefined;
        // A write kept for a resume stays (a resume of it then finds the partition written since, or not).
        if (stale && isKept(stale)) stale = undefined;
        if (stale) dropWriteSync(store, stale);
      }
      w.base = (store.partitions.get(partitionKey(dest.project, dest.table, dest.partition)) as PartitionMeta | undefined)?.lastModified ?? null;
      store.writes.putSync(lk, { writeId: w.writeId, pid: w.pid, proc: w.proc, since: w.startedAt } satisfies Lock);
      store.writes.putSync(pendingKey(w.writeId), w);
      return undefined;
    });
    if (!holder) {
      if (stale) removeStagedFiles(store, stale);
      return w;
    }
    if (Date.now() >= deadline || opts.signal?.aborted) {
      const what = dest.partition ? `partition ${dest.partition} of table ${dest.project}.${dest.table}` : `table ${dest.project}.${dest.table}`;
      throw new FerryError(ErrorCodes.STORE, `${what} is being written by another job (pid ${holder.pid}, since ${holder.since}); wait for it to finish and retry`);
    }
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, deadline - Date.now()))));
  }
}

/** Ends a write without publishing: deletes its staged files, then its pending record and lock. */
export async function abortWrite(store: Store, writeId: string): Promise<void> {
  const w = getPending(store, writeId);
  if (!w) return;
  removeStagedFiles(store, w);
  store.env.transactionSync(() => {
    if (store.writes.get(pendingKey(writeId))) dropWriteSync(store, w);
  });
  await store.env.flushed;
}

/** Removes a write's pending record and lock (inside the commit transaction). */
export function finishWriteSync(store: Store, w: PendingWrite): void {
  store.writes.removeSync(pendingKey(w.writeId));
  const lk = lockKey(w.project, w.table, w.partition);
  const lock = store.writes.get(lk) as Lock | undefined;
  if (lock?.writeId === w.writeId) store.writes.removeSync(lk);
}

/** The pending record of a write, if it is still pending. */
export function getPending(store: Store, writeId: string): PendingWrite | undefined {
  return store.writes.get(pendingKey(writeId)) as PendingWrite | undefined;
}

/** Every pending write (running or crashed). */
export function listPending(store: Store): PendingWrite[] {
  const out: PendingWrite[] = [];
  for (const { value } of store.writes.getRange({ start: 'w/', end: 'w0' })) out.push(value as PendingWrite);
  return out;
}

/**
 * Reclaims the writes whose process is dead: deletes their staged files,
 * then their records and locks. Returns how many writes were reclaimed.
 */
export function reclaimDeadWrites(store: Store, now = Date.now()): number {
  const dead = listPending(store).filter((w) => abandoned(w) && !isKept(w, now));
  if (dead.length === 0) return 0;
  // Files first: a crash in between leaves the record, and the next open deletes again.
  for (const w of dead) removeStagedFiles(store, w);
  store.env.transactionSync(() => {
    for (const w of dead) {
      // Another process may have reclaimed it meanwhile.
      if (store.writes.get(pendingKey(w.writeId))) dropWriteSync(store, w);
    }
  });
  return dead.length;
}

/**
 * Drops the abandoned writes kept for a resume of a partition that a commit
 * (`except`) just wrote: a resume of them is refused now (the partition was
 * written since), so their staged files only take space. Returns how many.
 */
export function dropKeptWritesOf(store: Store, dest: { project: string; table: string; partition: string }, except: string): number {
  const stale = listPending(store).filter(
    (w) => w.writeId !== except && w.keepUntil !== undefined && w.project === dest.project && w.table === dest.table && w.partition === dest.partition && abandoned(w),
  );
  return dropWrites(store, stale);
}

/** Reclaims abandoned writes kept for a resume (`ferry table gc --resumable`): all of them, or those kept until before `now`. */
export function reclaimKeptWrites(store: Store, opts: { all?: boolean; now?: number } = {}): PendingWrite[] {
  const now = opts.now ?? Date.now();
  const gone = listPending(store).filter((w) => w.keepUntil !== undefined && abandoned(w) && (opts.all || !isKept(w, now)));
  dropWrites(store, gone);
  return gone;
}

function dropWrites(store: Store, writes: PendingWrite[]): number {
  if (writes.length === 0) return 0;
  // Records first: a file nobody records is an orphan any sweep may delete; a record without files is harmless.
  store.env.transactionSync(() => {
    for (const w of writes) if (store.writes.get(pendingKey(w.writeId))) dropWriteSync(store, w);
  });
  for (const w of writes) removeStagedFiles(store, w);
  return writes.length;
}

/** Updates a pending record inside a transaction; returns the new record, or undefined when it is gone. */
export function updatePendingSync(store: Store, writeId: string, change: (w: PendingWrite) => PendingWrite): PendingWrite | undefined {
  const w = getPending(store, writeId);
  if (!w) return undefined;
  const next = change(w);
  store.writes.putSync(pendingKey(writeId), next);
  return next;
}

/** Takes a partition's lock for a write (inside a transaction); returns the live holder instead when someone else holds it. */
export function takeLockSync(store: Store, w: PendingWrite): { pid: number; since: string } | undefined {
  const lk = lockKey(w.project, w.table, w.partition);
  const lock = store.writes.get(lk) as Lock | undefined;
  if (lock && lock.writeId !== w.writeId && ownerAlive(lock.pid, lock.proc)) return lock;
  store.writes.putSync(lk, { writeId: w.writeId, pid: process.pid, proc: selfIdentity(), since: new Date().toISOString() } satisfies Lock);
  return undefined;
}

/** Lets go of a partition's lock held by a write (inside a transaction). */
export function dropLockSync(store: Store, w: PendingWrite): void {
  const lk = lockKey(w.project, w.table, w.partition);
  if ((store.writes.get(lk) as Lock | undefined)?.writeId === w.writeId) store.writes.removeSync(lk);
}
