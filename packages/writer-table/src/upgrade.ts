/**
 * `ferry store upgrade`: converts a format-2 store (Arrow IPC segments
 * inside store.mdb) to format 3 (Parquet files under data/, LMDB catalog).
 *
 * Atomic: each partition's segments are written as fsynced Parquet files
 * and recorded as converted (`u/<partition key>` in `writes`), which a
 * format-2 ferry ignores; only the last transaction switches the catalog
 * to the files, stamps format 3 and drops the segment databases. Killed at
 * any point before it, the store is still a whole format-2 store; run again,
 * it resumes with the partitions not yet converted. store.mdb keeps its size
 * (LMDB reuses the freed pages; it never shrinks a file).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCodes, FerryError } from '@ferry/core';
import { RecordBatchReader } from 'apache-arrow';
import type { DataFile, PartitionMeta, TableDef } from './catalog.js';
import { absPath, filesOfWrite, partitionDir, removeFile } from './files.js';
import { ownerAlive, type PendingWrite } from './pending.js';
import { specPairs } from './partition-spec.js';
import { ParquetWriter } from './parquet-writer.js';
import { lmdb, STORE_FORMAT, storeFile, type Store } from './store.js';

/** What an upgrade did. */
export interface UpgradeResult {
  /** False when the store already had format 3. */
  upgraded: boolean;
  tables: number;
  partitions: number;
  rows: number;
  files: number;
}

interface OldPartition extends Omit<PartitionMeta, 'files' | 'values'> {
  segments: { key: string; rows: number; bytes: number }[];
}

/** Upgrades the store in `dir` to format 3 in place (see the file comment). */
export async function upgradeStore(dir: string): Promise<UpgradeResult> {
  const abs = resolve(dir);
  if (!existsSync(storeFile(abs))) throw new FerryError(ErrorCodes.NOT_FOUND, `no store in ${abs} (no store.mdb there)`);
  const env = lmdb().open<any, string>({ path: storeFile(abs), maxDbs: 64 });
  try {
    const catalog = env.openDB<any, string>({ name: 'catalog' });
    const partitions = env.openDB<any, string>({ name: 'partitions' });
    const writes = env.openDB<any, string>({ name: 'writes' });
    const format = writes.get('format') as number | undefined;
    const none = { tables: 0, partitions: 0, rows: 0, files: 0 };
    if (format === STORE_FORMAT) return { upgraded: false, ...none };
    if (format !== 2) throw new FerryError(ErrorCodes.STORE, `store ${abs} has format ${format ?? 'from an early development build'}; only format 2 can be upgraded`);
    const segments = env.openDB<Buffer, string>({ name: 'segments', encoding: 'binary', compression: false });
    const segmentsLz4 = env.openDB<Buffer, string>({ name: 'segments_lz4', encoding: 'binary', compression: true });
    for (const { value } of writes.getRange({ start: 'w/', end: 'w0' })) {
      const w = value as PendingWrite;
      if (ownerAlive(w.pid, w.proc)) throw new FerryError(ErrorCodes.STORE, `store ${abs} is being written by pid ${w.pid} (${w.project}.${w.table}); upgrade it once that job has ended`);
    }
    // A stand-in for the Store the Parquet writer needs: it only uses the folder.
    const fileStore = { dir: abs } as Store;
    const defs = new Map<string, TableDef>();
    for (const { key, value } of catalog.getRange()) defs.set(String(key), value as TableDef);
    const result: UpgradeResult = { upgraded: true, tables: defs.size, partitions: 0, rows: 0, files: 0 };
    for (const { key, value } of Array.from(partitions.getRange())) {
      const pkey = String(key);
      const old = value as OldPartition;
      const tkey = pkey.slice(0, pkey.indexOf('/', pkey.indexOf('/') + 1));
      const def = defs.get(tkey);
      if (!def || !old.segments) continue;
      result.partitions++;
      result.rows += old.rows;
      const done = writes.get(`u/${pkey}`) as DataFile[] | undefined;
      if (done && done.every((f) => existsSync(absPath(abs, f.path)))) {
        result.files += done.length;
        continue;
      }
      // A partition half converted by a killed upgrade: its files go, and it is converted again.
      const writeId = `upgrade${createdId(pkey)}`;
      for (const f of filesOfWrite(abs, partitionDir(def.project, def.name, old.spec), writeId)) removeFile(abs, f);
      const writer = new ParquetWriter(fileStore, { writeId, def, partition: old.spec, columns: def.columns.map((c) => c.name), channel: 0 });
      for (const seg of old.segments) {
        const bytes = (seg.key.endsWith('.z') ? segmentsLz4 : segments).get(seg.key);
        if (!bytes) throw new FerryError(ErrorCodes.STORE, `store ${abs}: segment ${seg.key} of ${pkey} is missing; the store is damaged (nothing was changed)`);
        for (const batch of RecordBatchReader.from(bytes)) await writer.write(batch);
      }
      const files = await writer.close();
      writes.putSync(`u/${pkey}`, files);
      result.files += files.length;
    }
    // The switch: one transaction.
    env.transactionSync(() => {
      for (const [tkey, def] of defs) if (!def.id) catalog.putSync(tkey, { ...def, id: `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}` });
      for (const { key, value } of Array.from(partitions.getRange())) {
        const old = value as OldPartition;
        const files = (writes.get(`u/${String(key)}`) as DataFile[] | undefined) ?? [];
        const meta: PartitionMeta = {
          spec: old.spec,
          values: Object.fromEntries(specPairs(old.spec)),
          rows: files.reduce((n, f) => n + f.rows, 0),
          bytes: files.reduce((n, f) => n + f.bytes, 0),
          files,
          lastModified: old.lastModified,
          createdAt: old.createdAt,
        };
        partitions.putSync(String(key), meta);
      }
      for (const { key } of Array.from(writes.getRange())) if (/^[uwl]\//.test(String(key))) writes.removeSync(String(key));
      writes.putSync('format', STORE_FORMAT);
      segments.dropSync();
      segmentsLz4.dropSync();
    });
    await env.flushed;
    return result;
  } finally {
    await env.close();
  }
}

/** A stable id per partition, so a resumed upgrade finds what a killed one wrote. */
function createdId(pkey: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < pkey.length; i++) h = Math.imul(h ^ pkey.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36).padStart(7, '0');
}
