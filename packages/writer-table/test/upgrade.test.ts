import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { Table, tableToIPC } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, listDataFiles, listPartitions, openStore, parseDdl, scanBatches, tableSchema, upgradeStore, type TableDef } from '@ferry/writer-table';
import { batchOf } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-upgrade-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store as ferry's format 2 wrote it: Arrow IPC segments inside store.mdb, one plain and one LZ4-compressed. */
async function formatTwoStore(): Promise<void> {
  const [stmt] = parseDdl('CREATE TABLE t (id BIGINT, s STRING, d DECIMAL(38,6)) PARTITIONED BY (dt STRING)');
  const def = { project: 'default', name: 't', columns: stmt!.columns, partitionColumns: stmt!.partitionColumns, createdAt: new Date().toISOString(), ddl: 'CREATE TABLE t ...' };
  const schema = tableSchema(def as TableDef);
  const env = open<any, string>({ path: join(dir, 'store.mdb'), maxDbs: 64 });
  const seg = env.openDB<Buffer, string>({ name: 'segments', encoding: 'binary', compression: false });
  const lz4 = env.openDB<Buffer, string>({ name: 'segments_lz4', encoding: 'binary', compression: true });
  const ipc = (rows: unknown[][]) => Buffer.from(tableToIPC(new Table(schema, [batchOf(schema, rows)]), 'stream'));
  await env.openDB({ name: 'writes' }).put('format', 2);
  await env.openDB({ name: 'catalog' }).put('default/t', def);
  await seg.put(
    'w1/00000-aaa-000000',
    ipc([
      [1, 'one', '1.500000'],
      [9007199254740993n, null, '-99999999999999999999999999999999.999999'],
    ]),
  );
  await lz4.put('w1/00000-aaa-000001.z', ipc([[3, '日本語 🚀', null]]));
  await lz4.put('w2/00000-bbb-000000.z', ipc([[4, 'four', '0.000001']]));
  const parts = env.openDB({ name: 'partitions' });
  await parts.put('default/t/dt=1', {
    spec: 'dt=1',
    rows: 3,
    bytes: 1,
    segments: [
      { key: 'w1/00000-aaa-000000', rows: 2, bytes: 1 },
      { key: 'w1/00000-aaa-000001.z', rows: 1, bytes: 1 },
    ],
    lastModified: 5,
    createdAt: 4,
  });
  await parts.put('default/t/dt=2', { spec: 'dt=2', rows: 1, bytes: 1, segments: [{ key: 'w2/00000-bbb-000000.z', rows: 1, bytes: 1 }], lastModified: 7, createdAt: 6 });
  await env.close();
}

describe('ferry store upgrade', () => {
  it('converts a format-2 store to Parquet files in place, value by value, and says so when run again', async () => {
    await formatTwoStore();
    expect(() => openStore(dir)).toThrow('has format 2');
    expect(await upgradeStore(dir)).toEqual({ upgraded: true, tables: 1, partitions: 2, rows: 4, files: 2 });
    const store = openStore(dir);
    try {
      expect(countRows(store, 'default', 't')).toBe(4);
      const parts = listPartitions(store, 'default', 't');
      expect(parts.map((p) => [p.spec, p.rows, p.files.length, p.lastModified, p.values])).toEqual([
        ['dt=1', 3, 1, 5, { dt: '1' }],
        ['dt=2', 1, 1, 7, { dt: '2' }],
      ]);
      expect(listDataFiles(dir)).toEqual(parts.flatMap((p) => p.files.map((f) => f.path)).sort());
      const rows: unknown[] = [];
      for await (const b of scanBatches(store, 'default', 't')) for (const r of b) rows.push(r.toJSON());
      expect(rows.map((r) => [String((r as { id: bigint }).id), (r as { s: string | null }).s])).toEqual([
        ['1', 'one'],
        ['9007199254740993', null],
        ['3', '日本語 🚀'],
        ['4', 'four'],
      ]);
      expect(store.writes.get('format')).toBe(3);
    } finally {
      await store.close();
    }
    expect(await upgradeStore(dir)).toMatchObject({ upgraded: false });
  });
});

describe('ferry store upgrade, stopped half way', () => {
  const lmdb = () => open<any, string>({ path: join(dir, 'store.mdb'), maxDbs: 64 });
  const SEGMENT = 'w2/00000-bbb-000000.z';
  const segments = (env: ReturnType<typeof lmdb>) => env.openDB<Buffer, string>({ name: 'segments_lz4', encoding: 'binary', compression: true });
  /** Takes dt=2's segment out of the store (an upgrade then stops there); returns it. */
  async function takeSegment(): Promise<Buffer> {
    const env = lmdb();
    const kept = segments(env).getBinary(SEGMENT)!;
    await segments(env).remove(SEGMENT);
    await env.close();
    return kept;
  }
  /** Puts dt=2's segment back. */
  async function putSegment(kept: Buffer): Promise<void> {
    const env = lmdb();
    await segments(env).put(SEGMENT, kept);
    await env.close();
  }

  it('leaves a whole format-2 store, then resumes: recorded partitions kept, unrecorded files replaced', async () => {
    await formatTwoStore();
    // Stop it at the second partition: its segment is missing there (as if the process had died).
    const kept = await takeSegment();
    await expect(upgradeStore(dir)).rejects.toThrow('segment w2/00000-bbb-000000.z of default/t/dt=2 is missing');
    // Still format 2 for every reader: nothing switched; dt=1 is converted and recorded.
    expect(() => openStore(dir)).toThrow('has format 2');
    const [dt1File, ...others] = listDataFiles(dir);
    expect(others).toEqual([]);
    expect(dt1File).toContain('/dt=1/');

    // Resumed: dt=1 is not converted again (the same file), dt=2 is.
    await putSegment(kept);
    expect(await upgradeStore(dir)).toEqual({ upgraded: true, tables: 1, partitions: 2, rows: 4, files: 2 });
    const after = listDataFiles(dir);
    expect(after).toHaveLength(2);
    expect(after).toContain(dt1File);
    const store = openStore(dir);
    try {
      const ids: string[] = [];
      for await (const b of scanBatches(store, 'default', 't')) for (const r of b) ids.push(String((r.toJSON() as { id: bigint }).id));
      expect(ids).toEqual(['1', '9007199254740993', '3', '4']);
    } finally {
      await store.close();
    }
  });

  it('a partition whose file was written but not recorded (killed in between) is converted again, the old file deleted', async () => {
    await formatTwoStore();
    const kept = await takeSegment();
    await expect(upgradeStore(dir)).rejects.toThrow('is missing');
    const [unrecorded] = listDataFiles(dir);
    // Forget that dt=1 was recorded: its file is now what a run killed before recording leaves.
    const env = lmdb();
    await env.openDB({ name: 'writes' }).remove('u/default/t/dt=1');
    await env.close();
    await putSegment(kept);
    expect(await upgradeStore(dir)).toEqual({ upgraded: true, tables: 1, partitions: 2, rows: 4, files: 2 });
    const after = listDataFiles(dir);
    expect(after).toHaveLength(2);
    expect(after).not.toContain(unrecorded);
    const store = openStore(dir);
    try {
      expect(countRows(store, 'default', 't')).toBe(4);
    } finally {
      await store.close();
    }
  });
});
