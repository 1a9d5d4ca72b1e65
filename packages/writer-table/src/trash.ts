/**
 * Files the catalog no longer lists (overwritten, dropped, expired) are not
 * deleted in the transaction that unlists them: they go to a removal queue
 * (`g/<seq>` in the `writes` database) stamped with a removal sequence
 * number, and are deleted once no live read lease is older than that
 * removal (see read-lease.ts). So a reader that read the catalog before an
 * overwrite can still open every file it saw.
 */
import { pruneEmptyDirs, removeFiles } from './files.js';
import { ownerAlive, type ProcIdentity } from './pending.js';
import type { Store } from './store.js';

/** Key of the removal sequence counter. */
export const SEQ_KEY = 'seq';
const trashKey = (seq: number) => `g/${String(seq).padStart(12, '0')}`;

/** A lease record (`r/<id>`): the removal sequence when it was taken. */
export interface LeaseRecord {
  pid: number;
  proc?: ProcIdentity;
  seq: number;
  at: string;
}

interface TrashEntry {
  paths: string[];
  at: string;
}

/** The current removal sequence number (inside or outside a transaction). */
export function currentSeq(store: Store): number {
  return (store.writes.get(SEQ_KEY) as number | undefined) ?? 0;
}

/** Queues files for deletion (inside a write transaction); no-op for an empty list. */
export function trashSync(store: Store, paths: string[]): void {
  if (paths.length === 0) return;
  const seq = currentSeq(store) + 1;
  store.writes.putSync(SEQ_KEY, seq);
  store.writes.putSync(trashKey(seq), { paths, at: new Date().toISOString() } satisfies TrashEntry);
}

/** How many files wait in the removal queue (tests, `table gc`). */
export function trashedFiles(store: Store): number {
  let n = 0;
  for (const { value } of store.writes.getRange({ start: 'g/', end: 'g0' })) n += (value as TrashEntry).paths.length;
  return n;
}

/**
 * Deletes the queued files no live lease may still read, and forgets the
 * leases of dead processes. Returns the bytes freed. Safe to run in several
 * processes at once (a file already gone counts as deleted).
 */
export async function purgeTrash(store: Store): Promise<number> {
  let oldest = Infinity;
  const deadLeases: string[] = [];
  for (const { key, value } of store.writes.getRange({ start: 'r/', end: 'r0' })) {
    const lease = value as LeaseRecord;
    if (ownerAlive(lease.pid, lease.proc)) oldest = Math.min(oldest, lease.seq);
    else deadLeases.push(String(key));
  }
  const due: { key: string; paths: string[] }[] = [];
  for (const { key, value } of store.writes.getRange({ start: 'g/', end: 'g0' })) {
    const seq = Number(String(key).slice(2));
    // A lease taken at sequence L saw the catalog before removal R when L < R.
    if (seq > oldest) break;
    due.push({ key: String(key), paths: (value as TrashEntry).paths });
  }
  if (due.length === 0 && deadLeases.length === 0) return 0;
  const paths = due.flatMap((d) => d.paths);
  const freed = await removeFiles(store.dir, paths);
  const dirs = new Set(paths.map((p) => p.slice(0, p.lastIndexOf('/'))));
  for (const d of dirs) pruneEmptyDirs(store.dir, d);
  store.env.transactionSync(() => {
    for (const d of due) store.writes.removeSync(d.key);
    for (const k of deadLeases) store.writes.removeSync(k);
  });
  await store.env.flushed;
  return freed;
}

/** The store-relative paths of queued files. */
export function trashPathsRel(store: Store): string[] {
  const out: string[] = [];
  for (const { value } of store.writes.getRange({ start: 'g/', end: 'g0' })) for (const p of (value as TrashEntry).paths) out.push(p);
  return out;
}
