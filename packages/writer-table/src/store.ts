/**
 * A store is a folder holding one LMDB environment. Everything lives in it:
 * the table catalog, partition metadata, Arrow IPC segments, pending writes
 * and locks, and `meta:<name>` databases other subsystems (workflow
 * instances) keep their state in. One environment per folder, opened once
 * per thread and shared by every caller in that thread.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCodes, FerryError } from '@ferry/core';
import { open, type Database, type RootDatabase } from 'lmdb';
import { reclaimDeadWrites } from './pending.js';

/** Table definition as kept in the catalog (see catalog.ts). */
export type CatalogDb = Database<any, string>;

/** An open store folder. */
export interface Store {
  /** The store folder (absolute). */
  readonly dir: string;
  /** The LMDB environment (root database; holds nothing itself). */
  readonly env: RootDatabase<any, string>;
  /** Table definitions, key `<project>/<table>`. */
  readonly catalog: Database<any, string>;
  /** Partition metadata, key `<project>/<table>/<partition spec>`. */
  readonly partitions: Database<any, string>;
  /** Arrow IPC segments stored as is, key `<writeId>/<channel>-<rand>-<seq>` (see segments.ts). */
  readonly segments: Database<Buffer, string>;
  /** Arrow IPC segments LZ4-compressed by lmdb-js, key `<writeId>/<channel>-<rand>-<seq>.z`. */
  readonly segmentsLz4: Database<Buffer, string>;
  /** Pending writes (`w/<writeId>`) and partition locks (`l/<project>/<table>/<spec>`). */
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

interface Entry {
  store: StoreImpl;
  refs: number;
}

const cache = new Map<string, Entry>();

/** The on-disk layout version (databases, key shapes, compression settings). */
export const STORE_FORMAT = 2;
const FORMAT_KEY = 'format';

class StoreImpl implements Store {
  readonly env: RootDatabase<any, string>;
  readonly catalog: Database<any, string>;
  readonly partitions: Database<any, string>;
  readonly segments: Database<Buffer, string>;
  readonly segmentsLz4: Database<Buffer, string>;
  readonly writes: Database<any, string>;
  private readonly metas = new Map<string, Database<any, string>>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.env = open<any, string>({ path: join(dir, 'store.mdb'), maxDbs: 64 });
    this.catalog = this.env.openDB({ name: 'catalog' });
    this.partitions = this.env.openDB({ name: 'partitions' });
    this.writes = this.env.openDB({ name: 'writes' });
    // Compression is part of each database's on-disk format: never change these two settings.
    this.segments = this.env.openDB<Buffer, string>({ name: 'segments', encoding: 'binary', compression: false });
    this.segmentsLz4 = this.env.openDB<Buffer, string>({ name: 'segments_lz4', encoding: 'binary', compression: true });
    this.checkFormat();
  }

  /** Stamps a new store with the format version; refuses a store of another version. */
  private checkFormat(): void {
    const found = this.writes.get(FORMAT_KEY) as number | undefined;
    if (found === STORE_FORMAT) return;
    const empty = this.catalog.getKeysCount() === 0 && this.segments.getKeysCount() === 0;
    if (found === undefined && empty) {
      this.env.transactionSync(() => {
        if (this.writes.get(FORMAT_KEY) === undefined) this.writes.putSync(FORMAT_KEY, STORE_FORMAT);
      });
      return;
    }
    void this.env.close();
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
 * the same Store; worker threads open their own handle on the same
 * environment. The first open in a thread reclaims the staged segments of
 * writes whose process died (kill -9, power loss).
 */
export function openStore(dir: string): Store {
  const abs = resolve(dir);
  const entry = cache.get(abs);
  if (entry) {
    entry.refs++;
    return entry.store;
  }
  const store = new StoreImpl(abs);
  cache.set(abs, { store, refs: 1 });
  reclaimDeadWrites(store);
  return store;
}
