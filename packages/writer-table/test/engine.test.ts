import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJob } from '@ferry/core';
import { countRows, countSegments, createTable, exportRows, listPending, openStore, type Store } from '@ferry/writer-table';
import { collector, quiet, tempStore } from './helpers.js';

const ferryBin = join(fileURLToPath(import.meta.url), '../../../cli/bin/ferry.js');
/** Rows of the overwrite that gets killed; FERRY_KILL_ROWS=50000000 for the full-size run. */
const KILL_ROWS = Number(process.env.FERRY_KILL_ROWS ?? 5_000_000);
/** Staged segments (about 60k rows each) to wait for before the kill. */
const KILL_AFTER_SEGMENTS = Number(process.env.FERRY_KILL_AFTER_SEGMENTS ?? 12);

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
  return runJob(j, { plugins: { table: new URL('../dist/index.js', import.meta.url).href }, settings: { table: { storeDir: dir, project: 'default' } }, runsDir: join(dir, 'runs'), params: { bizdate }, log: quiet });
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
      reader: { plugin: 'generate', rows: 100, columns: [{ name: 'id', type: 'bigint' }, { name: 'name', type: 'string' }, { name: 'day', type: 'string' }] },
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
    const segments = countSegments(store);
    // Doubles into BIGINT are dirty; errorLimit 0 fails the job after some channels have staged segments.
    const r = await run(job(200_000, { reader: { columns: [{ name: 'id', type: 'bigint' }, { name: 'name', type: 'string' }, { name: 'score', type: 'string' }, { name: 'at', type: 'timestamp' }], nullEvery: 0 }, setting: { errorLimit: { records: 0 } } }));
    expect(r.status).toBe('failed');
    expect(await exportHash('dt=20240620')).toEqual(before);
    expect(countSegments(store)).toBe(segments);
    expect(listPending(store)).toEqual([]);
  });

  it(`kill -9 in the middle of an overwrite of ${KILL_ROWS.toLocaleString('en')} rows leaves the old partition whole and exportable`, async () => {
    expect((await run(job(20_000, { reader: { seed: 7 } }))).status).toBe('succeeded');
    const before = await exportHash('dt=20240620');
    expect(before.lines).toBe(20_000);
    const baseSegments = countSegments(store);

    writeFileSync(join(dir, 'job.json'), JSON.stringify(job(KILL_ROWS)));
    const child = spawn(process.execPath, [ferryBin, 'run', join(dir, 'job.json'), '--store', dir, '--bizdate', '20240620', '--quiet'], { stdio: 'ignore' });
    let exited = false;
    const exit = new Promise<void>((r) => child.on('exit', () => ((exited = true), r())));
    // Wait until the overwrite has staged a good number of segments, then kill it.
    while (!exited && countSegments(store) < baseSegments + KILL_AFTER_SEGMENTS) await new Promise((r) => setTimeout(r, 25));
    expect(exited, 'the job finished before it could be killed: raise FERRY_KILL_ROWS').toBe(false);
    child.kill('SIGKILL');
    await exit;

    expect(countRows(store, 'default', 'gen', 'dt=20240620')).toBe(20_000);
    expect(await exportHash('dt=20240620')).toEqual(before);
    expect(listPending(store)).toHaveLength(1);

    // The next open (a new process, or this one after closing) reclaims the staged segments.
    await store.close();
    store = openStore(dir);
    expect(listPending(store)).toEqual([]);
    expect(countSegments(store)).toBe(baseSegments);
    expect(await exportHash('dt=20240620')).toEqual(before);
    // And the partition can be overwritten again.
    expect((await run(job(5000))).status).toBe('succeeded');
    expect(countRows(store, 'default', 'gen', 'dt=20240620')).toBe(5000);
  });
});
