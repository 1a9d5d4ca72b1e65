import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJob } from '@ferry/core/engine';
import { countRows, createTable, exportRows, listDataFiles, listPending, type Store } from '@ferry/writer-table';
import { collector, quiet, tempStore } from './helpers.js';

let dir: string;
let store: Store;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, store, cleanup } = tempStore());
  await createTable(store, 'default', 'CREATE TABLE gen (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING) LIFECYCLE 7');
});
afterEach(() => cleanup());

function job(rows: number, extra: { writer?: object; reader?: object; setting?: object } = {}) {
  return {
    reader: { plugin: 'generate', rows, ...extra.reader },
    writer: { plugin: 'table', table: 'gen', partition: 'dt=${bizdate}', ...extra.writer },
    setting: { channel: 2, ...extra.setting },
  };
}

async function run(j: object, bizdate = '20240620') {
  return runJob(j, {
    plugins: { table: new URL('../dist/index.js', import.meta.url).href },
    settings: { table: { storeDir: dir, project: 'default' } },
    runsDir: join(dir, 'runs'),
    params: { bizdate },
    log: quiet,
  });
}

async function exportHash(partition: string): Promise<{ lines: number; hash: string }> {
  const c = collector();
  const { rows } = await exportRows(store, 'default', 'gen', { format: 'jsonl', partition, out: c.out });
  return { lines: rows, hash: createHash('sha256').update(c.bytes()).digest('hex') };
}

describe('table writer under the engine', () => {
  it('runJob writes generate rows into a partition and reports the commit', async () => {
    const r = await run(job(30_000));
    expect(r.status, r.error?.message).toBe('succeeded');
    expect(r.recordsWritten).toBe(30_000);
    expect(r.commit).toMatchObject({ table: 'default.gen', partition: 'dt=20240620', writeMode: 'overwrite', rowsWritten: 30_000 });
    const a = await run(job(1000, { writer: { writeMode: 'append' } }));
    expect(a.status).toBe('succeeded');
    expect(countRows(store, 'default', 'gen', 'dt=20240620')).toBe(31_000);
  });

  it('values that do not fit the destination types are dirty records, not crashes', async () => {
    await createTable(store, 'default', 'CREATE TABLE strict (id BIGINT, n BIGINT, d DATE) PARTITIONED BY (dt STRING)');
    const r = await run({
      reader: {
        plugin: 'generate',
        rows: 100,
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'name', type: 'string' },
          { name: 'day', type: 'string' },
        ],
      },
      writer: { plugin: 'table', table: 'strict', partition: 'dt=1' },
      setting: { channel: 1, errorLimit: { records: 1000 } },
    });
    expect(r.status, r.error?.message).toBe('succeeded');
    expect(r.dirtyRecords).toBe(100);
    expect(countRows(store, 'default', 'strict')).toBe(0);
  });

  it('a failed job leaves the partition as it was and stages nothing', async () => {
    expect((await run(job(10_000))).status).toBe('succeeded');
    const before = await exportHash('dt=20240620');
    const files = listDataFiles(dir);
    // Strings into DOUBLE are dirty; errorLimit 0 fails the job after some channels have staged files.
    const r = await run(
      job(200_000, {
        reader: {
          columns: [
            { name: 'id', type: 'bigint' },
            { name: 'name', type: 'string' },
            { name: 'score', type: 'string' },
            { name: 'at', type: 'timestamp' },
          ],
          nullEvery: 0,
        },
        setting: { errorLimit: { records: 0 } },
      }),
    );
    expect(r.status).toBe('failed');
    expect(await exportHash('dt=20240620')).toEqual(before);
    expect(listDataFiles(dir)).toEqual(files);
    expect(listPending(store)).toEqual([]);
  });
});
