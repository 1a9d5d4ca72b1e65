/**
 * Pending writes and partition locks. A write records itself (write id, pid,
 * destination, table id) before it stages any file, and takes the
 * partition's lock in the same transaction; commit or abort removes both. A
 * record whose process is dead is a crashed write: its staged files (named
 * `<writeId>-...` in the partition folder) are deleted and its lock taken
 * over.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCodes, FerryError } from '@ferry/core';
import { filesOfWrite, partitionDir, pruneEmptyDirs, removeFile } from './files.js';
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
}

interface Lock {
  writeId: string;
  pid: number;
  proc?: ProcIdentity;
  since: string;
}

/** Linux: the boot id and the process start time (clock ticks since boot). */
export interface ProcIdentity {
  boot?: string;
  start?: string;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The start time of a process (field 22 of /proc/<pid>/stat), when the platform has /proc. */
function procStart(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name may hold spaces and parentheses: count fields after its closing ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

let self: ProcIdentity | undefined;

/** This process's identity. */
export function selfIdentity(): ProcIdentity {
  self ??= { boot: readProc('/proc/sys/kernel/random/boot_id')?.trim(), start: procStart(process.pid) };
  return self;
}

/**
 * True when the process that recorded `pid` (and `proc`) still runs: the pid
 * exists, the machine has not rebooted since, and the pid was not reused.
 */
export function ownerAlive(pid: number, proc?: ProcIdentity): boolean {
  if (pid === process.pid) return true;
  if (proc?.boot && selfIdentity().boot && proc.boot !== selfIdentity().boot) return false;
  if (!isAlive(pid)) return false;
  const start = proc?.start ? procStart(pid) : undefined;
  return !(start && start !== proc!.start);
}

const pendingKey = (writeId: string) => `w/${writeId}`;
/** The key of a partition's lock. */
export const lockKey = (project: string, table: string, partition: string) => `l/${project}/${table}/${partition}`;

/** A unique, sortable write id. */
export function newWriteId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${process.pid.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** True when a process with this pid exists (EPERM: exists, owned by someone else). */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
  const w: PendingWrite = { writeId: newWriteId(), pid: process.pid, proc: selfIdentity(), ...dest, startedAt: new Date().toISOString() };
  const lk = lockKey(dest.project, dest.table, dest.partition);
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (;;) {
    let stale: PendingWrite | undefined;
    const holder = store.env.transactionSync(() => {
      const lock = store.writes.get(lk) as Lock | undefined;
      if (lock && ownerAlive(lock.pid, lock.proc)) return lock;
      if (lock) {
        stale = store.writes.get(pendingKey(lock.writeId)) as PendingWrite | undefined;
        if (stale) dropWriteSync(store, stale);
      }
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
      throw new FerryError(
        ErrorCodes.STORE,
        `${what} is being written by another job (pid ${holder.pid}, since ${holder.since}); wait for it to finish and retry`,
      );
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
export function reclaimDeadWrites(store: Store): number {
  const dead = listPending(store).filter((w) => !ownerAlive(w.pid, w.proc));
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
