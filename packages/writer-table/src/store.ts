/**
 * A store is a folder: an LMDB environment (`store.mdb`) that is the
 * catalog (tables, partitions and their committed Parquet file lists,
 * pending writes, locks, read leases, the removal queue, and `meta:<name>`
 * databases other subsystems keep their state in), and a `data/` folder of
 * Parquet files (see files.ts). One environment per folder, opened once per
 * thread and shared by every caller in that thread.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ErrorCodes, FerryError } from '@ferry/core';
import type { Database, RootDatabase } from 'lmdb';
import { checkSpace, storeIoError } from './disk-space.js';
import { reclaimDeadWrites } from './pending.js';
import { purgeTrash } from './trash.js';

/** Table definition as kept in the catalog (see catalog.ts). */
export type CatalogDb = Database<any, string>;

let lmdbModule: typeof import('lmdb') | undefined;

/** lmdb, loaded at the first open: channel threads, which only write data files, never load it (~30 ms each). */
export function lmdb(): typeof import('lmdb') {
  lmdbModule ??= createRequire(import.meta.url)('lmdb') as typeof import('lmdb');
  return lmdbModule;
}

/** An open store folder. */
export interface Store {
  /** The store folder (absolute). */
  readonly dir: string;
  /** The LMDB environment (root database; holds nothing itself). */
  readonly env: RootDatabase<any, string>;
  /** Table definitions, key `<project>/<table>`. */
  readonly catalog: Database<any, string>;
  /** Partition metadata with the committed file list, key `<project>/<table>/<partition spec>`. */
  readonly partitions: Database<any, string>;
  /**
   * Pending writes (`w/<writeId>`), partition locks (`l/<project>/<table>/<spec>`),
   * read leases (`r/<id>`), the removal queue (`g/<seq>`) and its counter (`seq`).
   */
  readonly writes: Database<any, string>;
  /**
   * A msgpack database named `meta:<name>` with string keys, for other
   * subsystems' state (workflow instances, ...). Opened once per name.
   */
  meta(name: string): Database<any, string>;
  /** Releases this caller's use; the environment closes when the last user closes it. */
  close(): Promise<void>;
}

/** The store folder: `opt`, else FERRY_STORE, else `<cwd>/.ferry`. */
export function resolveStoreDir(opt?: string): string {
  const dir = opt || process.env.FERRY_STORE || join(process.cwd(), '.ferry');
  return resolve(dir);
}

/** How to open a store. */
export interface OpenOptions {
  /** Fail when the folder holds no store instead of creating one (read-only commands). */
  mustExist?: boolean;
}

interface Entry {
  store: StoreImpl;
  refs: number;
}

const cache = new Map<string, Entry>();

/**
 * The on-disk layout version. 3: LMDB catalog + Parquet data files. 2: Arrow
 * IPC segments inside LMDB (`ferry store upgrade` converts it).
 */
export const STORE_FORMAT = 3;
const FORMAT_KEY = 'format';

/** The file of a store's LMDB environment. */
export const storeFile = (dir: string) => join(dir, 'store.mdb');

class StoreImpl implements Store {
  readonly env: RootDatabase<any, string>;
  readonly catalog: Database<any, string>;
  readonly partitions: Database<any, string>;
  readonly writes: Database<any, string>;
  private readonly metas = new Map<string, Database<any, string>>();

  constructor(
    readonly dir: string,
    format: 'check' | 'any' = 'check',
  ) {
    mkdirSync(dir, { recursive: true });
    this.env = lmdb().open<any, string>({ path: storeFile(dir), maxDbs: 64 });
    this.catalog = this.env.openDB({ name: 'catalog' });
    this.partitions = this.env.openDB({ name: 'partitions' });
    this.writes = this.env.openDB({ name: 'writes' });
    if (format === 'check') this.checkFormat();
  }

  /** Stamps a new store with the format version; refuses a store of another version. */
  private checkFormat(): void {
    const found = this.writes.get(FORMAT_KEY) as number | undefined;
    if (found === STORE_FORMAT) return;
    if (found === undefined && this.catalog.getKeysCount() === 0 && this.writes.getKeysCount() === 0) {
      this.env.transactionSync(() => {
        if (this.writes.get(FORMAT_KEY) === undefined) this.writes.putSync(FORMAT_KEY, STORE_FORMAT);
      });
      return;
    }
    void this.env.close();
    if (found === 2) {
      throw new FerryError(
        ErrorCodes.STORE,
        `store ${this.dir} has format 2 (data inside store.mdb); this ferry reads format ${STORE_FORMAT} (Parquet files): run \`ferry store upgrade --store ${this.dir}\``,
      );
    }
    throw new FerryError(
      ErrorCodes.STORE,
      `store ${this.dir} has format ${found ?? 'from an early development build'}, this ferry reads format ${STORE_FORMAT}; export its tables with the ferry that wrote it, or use a new --store folder`,
    );
  }

  meta(name: string): Database<any, string> {
    let db = this.metas.get(name);
    if (!db) {
      db = this.env.openDB<any, string>({ name: `meta:${name}` });
      this.metas.set(name, db);
    }
    return db;
  }

  async close(): Promise<void> {
    const entry = cache.get(this.dir);
    if (!entry || entry.store !== this) return;
    if (--entry.refs > 0) return;
    cache.delete(this.dir);
    await this.env.close();
  }
}

/**
 * Opens (or creates) the store in `dir`. Repeated calls in one thread return
 * the same Store; other threads open their own handle on the same
 * environment (channel threads need none: they only write data files).
 * The first open in a thread reclaims the staged files of
 * writes whose process died (kill -9, power loss) and deletes unlisted files
 * no reader needs any more.
 */
export function openStore(dir: string, opts: OpenOptions = {}): Store {
  const abs = resolve(dir);
  const entry = cache.get(abs);
  if (entry) {
    entry.refs++;
    return entry.store;
  }
  if (opts.mustExist && !existsSync(storeFile(abs))) {
    throw new FerryError(ErrorCodes.NOT_FOUND, `no store in ${abs} (no store.mdb there); check --store / FERRY_STORE, or create a table there first with \`ferry table create\``);
  }
  checkSpace(abs);
  let store: StoreImpl;
  try {
    store = new StoreImpl(abs);
    reclaimDeadWrites(store);
  } catch (err) {
    throw storeIoError(abs, err);
  }
  cache.set(abs, { store, refs: 1 });
  // Best effort: a failure here (full disk) must not stop a read.
  purgeTrash(store).catch(() => {});
  return store;
}

/** Opens a store of any format (for `ferry store upgrade`); not cached. */
export function openStoreRaw(dir: string): Store & { format(): number | undefined } {
  const s = new StoreImpl(resolve(dir), 'any') as StoreImpl & { format(): number | undefined };
  s.format = () => s.writes.get(FORMAT_KEY) as number | undefined;
  s.close = () => s.env.close();
  return s;
}
