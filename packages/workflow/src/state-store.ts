/**
 * The workflow layer's only door into the table store: named catalogs
 * (LMDB key-value databases) for its own state, transactions over them, and
 * one process-liveness check. Workflow code uses this, never the store's
 * internals, so the store can change underneath (it keeps `Store.meta`,
 * `ownerAlive` and `selfIdentity` for this file).
 */
import { ownerAlive, openStore, selfIdentity, type ProcIdentity } from '@ferry/writer-table';

/** A catalog: keys to JSON-like values (an LMDB database of the store). */
export interface StateCatalog {
  get(key: string): unknown;
  /** Writes inside the current transaction (or its own). */
  putSync(key: string, value: unknown): boolean;
  removeSync(key: string): boolean;
  getRange(opts?: { start?: string; end?: string; reverse?: boolean; limit?: number }): Iterable<{ key: unknown; value: unknown }>;
}

/** The workflow state of one store folder. */
export interface StateStore {
  /** The catalog `name` (`workflow`: instances and nodes, `scheduler`: triggers). */
  catalog(name: 'workflow' | 'scheduler'): StateCatalog;
  /** Runs `fn` as one atomic transaction over every catalog; returns its result. */
  transaction<T>(fn: () => T): T;
  /** Releases this use of the store. */
  close(): Promise<void>;
}

/** Opens the workflow state kept in the store at `storeDir`. */
export function openStateStore(storeDir: string): StateStore {
  const store = openStore(storeDir);
  return {
    catalog: (name) => store.meta(name) as unknown as StateCatalog,
    transaction: (fn) => store.env.transactionSync(fn),
    close: () => store.close(),
  };
}

/** Who a process is, beyond its pid (boot id, start time): recorded with an owner so a reused pid is not mistaken for it. */
export type ProcessIdentity = ProcIdentity;

/** This process's identity. */
export function processIdentity(): ProcessIdentity {
  return selfIdentity();
}

/**
 * The one liveness check of the workflow layer: true when the process that
 * recorded `pid` (and `identity`) still runs on this machine (not rebooted
 * since, pid not reused).
 */
export function processAlive(pid: number, identity?: ProcessIdentity): boolean {
  return ownerAlive(pid, identity);
}
