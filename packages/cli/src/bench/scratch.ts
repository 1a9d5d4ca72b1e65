/**
 * `--target scratch` for the table writer: each trial writes into a fresh,
 * throwaway store that holds only a copy of the destination table's
 * definition, in a folder next to the real store (same disk, so the Parquet
 * writes, fsyncs and commit cost the same). The real store is only read (the
 * table definition); its catalog, partitions and files are never written,
 * so nothing there can be left behind by a failure, Ctrl-C or kill -9.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, FerryError } from '@ferry/core';
import { createTable, openStore, requireTable, type TableDef } from '@ferry/writer-table';

/** Throwaway stores for the trials of one bench run. */
export interface ScratchTarget {
  /** The folder that holds every trial's store (removed at the end). */
  readonly root: string;
  /** The destination table, as `project.table`. */
  readonly table: string;
  /** A fresh store with an empty copy of the destination table; returns its folder. */
  prepare(): Promise<string>;
  /** Removes one trial's store. */
  release(dir: string): void;
  /** Removes every scratch store (synchronous and idempotent: safe on any exit path). */
  cleanup(): void;
}

const SCRATCH_RE = /\.bench-(\d+)-[0-9a-f]+$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes scratch folders of bench runs whose process died (kill -9, power loss). */
function sweepOrphans(storeDir: string): void {
  const parent = dirname(storeDir);
  const prefix = `${basename(storeDir)}.bench-`;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = SCRATCH_RE.exec(name);
    if (!name.startsWith(prefix) || !m || alive(Number(m[1]))) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Splits the writer's `table` (`name` or `project.name`) like the table writer does. */
function targetOf(table: string, project: string): { project: string; table: string } {
  const dot = table.indexOf('.');
  return dot < 0 ? { project, table: table.toLowerCase() } : { project: table.slice(0, dot).toLowerCase(), table: table.slice(dot + 1).toLowerCase() };
}

/** Reads the destination table's definition from the real store and sets up the scratch folder. */
export async function createScratchTarget(storeDir: string, project: string, writerTable: string): Promise<ScratchTarget> {
  if (!existsSync(storeDir)) throw new FerryError(ErrorCodes.USAGE, `--target scratch: there is no store at ${storeDir} (the scratch copy needs the destination table's definition)`);
  const dest = targetOf(writerTable, project);
  const real = openStore(storeDir);
  let def: TableDef;
  try {
    def = requireTable(real, dest.project, dest.table);
  } finally {
    await real.close();
  }
  sweepOrphans(storeDir);
  const root = join(dirname(storeDir), `${basename(storeDir)}.bench-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(root, { recursive: true });
  let n = 0;
  return {
    root,
    table: `${def.project}.${def.name}`,
    async prepare() {
      const dir = join(root, `trial-${++n}`);
      const store = openStore(dir);
      try {
        await createTable(store, def.project, def.ddl);
      } finally {
        await store.close();
      }
      return dir;
    },
    release(dir) {
      rmSync(dir, { recursive: true, force: true });
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
