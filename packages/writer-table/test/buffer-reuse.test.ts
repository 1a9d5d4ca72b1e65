// Given batches it may keep (`batchesHandedOver`, as the engine says), the
// writer hands each file's column memory back to the thread's buffer pool
// once it is encoded, and the next batches are built in it. Many small
// files, built and written in turn, must read back value for value: a buffer
// reused too early would show up here as another batch's bytes.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { pooledBytes } from '@ferry/core';
import { createTable, listDataFiles, type Store } from '@ferry/writer-table';
import { scriptRows, tempStore, writeTable } from './helpers.js';

let store: Store;
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ store, dir, cleanup } = tempStore());
  await createTable(store, 'p', 'CREATE TABLE t (id BIGINT, s STRING, d DOUBLE, k INT) PARTITIONED BY (dt STRING);');
});

afterEach(async () => {
  await cleanup();
});

it('reads back every value of many small files built in recycled memory', async () => {
  const batches: unknown[][][] = [];
  let id = 0;
  for (let b = 0; b < 120; b++) {
    const rows: unknown[][] = [];
    // Batches of different sizes and value lengths, so a reused buffer is sometimes larger than the batch.
    const n = 200 + ((b * 37) % 500);
    for (let r = 0; r < n; r++, id++) {
      const text = id % 13 === 0 ? null : `${id}:${'abcdefghij'.repeat((id * 7) % 23)}:${'é😀'.repeat(id % 3)}`;
      rows.push([BigInt(id) * 3_000_000_000n, text, id % 11 === 0 ? null : id / 7, id % 17 === 0 ? null : (id * 31) % 100_000]);
    }
    batches.push(rows);
  }
  const before = pooledBytes();
  await writeTable(dir, { table: 't', partition: 'dt=1', fileBytes: 65_536 }, [batches], 'p', true);
  // The writer gave memory back and the builders of later batches took it again.
  expect(pooledBytes()).toBeGreaterThan(before);
  expect(listDataFiles(dir).length).toBeGreaterThan(20);
  const got = await scriptRows(store, "SELECT id, s, d, k FROM t WHERE dt = '1' ORDER BY id");
  const want = batches.flat().map(([n, s, d, k]) => ({ id: n, s, d, k }));
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (JSON.stringify(got[i], bigints) !== JSON.stringify(want[i], bigints)) expect(got[i]).toEqual(want[i]);
});

const bigints = (_: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);
