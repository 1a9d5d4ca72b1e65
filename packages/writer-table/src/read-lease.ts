/**
 * Read leases: a reader (`ferry sql`, export, head) takes one BEFORE it reads
 * the catalog and releases it once it has closed the files. While it is
 * held, files that a later commit, drop or gc unlists stay on disk; they are
 * deleted once no lease taken before their removal is alive. A lease of a
 * dead process (even killed with -9) does not count: its record names the
 * pid and process identity, checked like a pending write's.
 */
import { randomBytes } from 'node:crypto';
import { ownerAlive, selfIdentity } from './pending.js';
import type { Store } from './store.js';
import { currentSeq, purgeTrash, type LeaseRecord } from './trash.js';

/** A held read lease. */
export interface ReadLease {
  /** Ends the lease (idempotent) and deletes the files it was the last to protect. */
  release(): Promise<void>;
}

/** Takes a read lease on the store (one small write transaction). */
export async function acquireReadLease(store: Store): Promise<ReadLease> {
  const key = `r/${process.pid.toString(36)}-${randomBytes(6).toString('hex')}`;
  store.env.transactionSync(() => {
    const rec: LeaseRecord = { pid: process.pid, proc: selfIdentity(), seq: currentSeq(store), at: new Date().toISOString() };
    store.writes.putSync(key, rec);
  });
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await store.writes.remove(key);
      await purgeTrash(store);
    },
  };
}

/** The live read leases (diagnostics, tests). */
export function liveLeases(store: Store): number {
  let n = 0;
  for (const { value } of store.writes.getRange({ start: 'r/', end: 'r0' })) {
    const l = value as LeaseRecord;
    if (ownerAlive(l.pid, l.proc)) n++;
  }
  return n;
}
