/**
 * A full file system must give one clear line, not a SIGBUS inside LMDB's
 * memory map or a raw `mdb_page_spill` dump: opening checks the free space
 * first, and I/O errors of the store are turned into a FerryError naming
 * the store and "no space left".
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCodes, FerryError } from '@ferry/core/channel';

/**
 * Free bytes below which a store is not opened. LMDB grows store.mdb a page
 * at a time through its map and writes the lock file; with less than this
 * the kernel may have to fail a page fault (SIGBUS) instead of a write call.
 */
export const MIN_FREE_BYTES = 1024 * 1024;

/** The free bytes (for an unprivileged user) of the file system holding `dir` (or its nearest existing parent). */
export function freeBytes(dir: string): number | undefined {
  let d = dir;
  for (;;) {
    try {
      const s = statfsSync(d);
      return Number(s.bavail) * Number(s.bsize);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
      const up = dirname(d);
      if (up === d) return undefined;
      d = up;
    }
  }
}

/** Throws the "no space left" FerryError when the file system of `dir` is (nearly) full. */
export function checkSpace(dir: string): void {
  const free = freeBytes(dir);
  if (free !== undefined && free < MIN_FREE_BYTES) throw noSpace(dir);
}

/** The one-line error of a full file system. */
export function noSpace(dir: string): FerryError {
  return new FerryError(ErrorCodes.STORE, `store ${dir}: no space left on the file system (free some space and retry; the store is unchanged)`);
}

const NO_SPACE = /ENOSPC|no space left|MDB_MAP_FULL|MDB_PAGE_FULL|Input\/output error|EIO\b|EDQUOT/i;

/** Turns an error of a store operation into the "no space left" error when it is one; returns other errors as they are. */
export function storeIoError(dir: string, err: unknown): unknown {
  if (err instanceof FerryError) return err;
  const e = err as NodeJS.ErrnoException;
  if (NO_SPACE.test(`${e?.code ?? ''} ${e?.message ?? ''}`)) return noSpace(dir);
  return err;
}
