import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@ferry/core';
import tableWriter, {
  absPath,
  acquireReadLease,
  countRows,
  createTable,
  dropTable,
  getTable,
  listDataFiles,
  listPartitions,
  selfIdentity,
  trashedFiles,
  type Store,
  type TableWriteHandle,
} from '@ferry/writer-table';
import { batchOf, channelCtx, jobCtx, tempStore, writeTable, destSchema } from './helpers.js';

let dir: string;
let store: Store;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, store, cleanup } = tempStore());
  await createTable(store, 'default', 'CREATE TABLE t (id BIGINT, s STRING) PARTITIONED BY (dt STRING)');
});
afterEach(() => cleanup());

/** Bytes the data folder takes on disk, as `du` counts them. */
function du(): number {
  const r = spawnSync('du', ['-sb', `${dir}/data`], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.split('\t')[0]) : 0;
}

// Random text: compresses as little as real data, so sizes on disk are measurable.
const rows = (n: number, tag: string) => Array.from({ length: n }, (_, i) => [i, `${tag} row ${i} ${randomBytes(16).toString('hex')}`]);

describe('data files, leases and deletion', () => {
  it('an overwrite keeps the old files while a lease taken before it is held, and deletes them at release', async () => {
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[rows(20_000, 'old')]]);
    const old = listPartitions(store, 'default', 't')[0]!.files.map((f) => f.path);
    const lease = await acquireReadLease(store);
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[rows(10, 'new')]]);
    expect(countRows(store, 'default', 't')).toBe(10);
    for (const p of old) expect(existsSync(absPath(dir, p))).toBe(true);
    expect(trashedFiles(store)).toBe(old.length);
    // A lease taken after the overwrite does not hold the old files.
    const later = await acquireReadLease(store);
    await lease.release();
    for (const p of old) expect(existsSync(absPath(dir, p))).toBe(false);
    expect(trashedFiles(store)).toBe(0);
    await later.release();
    expect(listDataFiles(dir)).toEqual(listPartitions(store, 'default', 't')[0]!.files.map((f) => f.path));
  });

  it('a lease of a dead process does not hold files', async () => {
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[rows(100, 'old')]]);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await store.writes.put('r/dead-reader', { pid: Number(dead.stdout), proc: { boot: selfIdentity().boot, start: '1' }, seq: 0, at: new Date().toISOString() });
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[rows(10, 'new')]]);
    expect(listDataFiles(dir)).toHaveLength(1);
    expect(store.writes.get('r/dead-reader')).toBeUndefined();
  });

  it('overwrite and drop give the disk space back (du)', async () => {
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[rows(100_000, 'big')]]);
    const big = du();
    expect(big).toBeGreaterThan(2_000_000);
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[rows(10, 'small')]]);
    expect(du()).toBeLessThan(big / 10);
    await writeTable(dir, { table: 't', partition: 'dt=2' }, [[rows(100_000, 'big')]]);
    await dropTable(store, 'default', 't');
    expect(listDataFiles(dir)).toEqual([]);
    expect(du()).toBeLessThan(10_000);
  });

  it('a table dropped and re-created during a write refuses the commit and stays untouched (issue 9 item 1)', async () => {
    const ctx = jobCtx(dir);
    const cfg = { table: 't', partition: 'dt=1', writeMode: 'overwrite', lockWaitSeconds: 0, fileBytes: 65536, compression: 'snappy' } as never;
    const schema = await destSchema(cfg, ctx);
    const handle = (await tableWriter.prepare(cfg, { ...ctx, schema })) as TableWriteHandle;
    const sink = await tableWriter.open(handle, channelCtx(dir, 0));
    await sink.write(batchOf(schema, rows(1000, 'old schema')));
    const files = await sink.close();
    await dropTable(store, 'default', 't');
    await createTable(store, 'default', 'CREATE TABLE t (x BIGINT) PARTITIONED BY (dt STRING)');
    const err = await Promise.resolve(tableWriter.commit(handle, files, ctx)).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe(ErrorCodes.STORE);
    expect(err?.message).toBe('table default.t was dropped and created again during the write; nothing was published (the new table is unchanged)');
    await tableWriter.abort(handle, files, ctx);
    expect(listPartitions(store, 'default', 't')).toEqual([]);
    expect(getTable(store, 'default', 't')!.columns.map((c) => c.name)).toEqual(['x']);
    expect(listDataFiles(dir)).toEqual([]);
  });

  it('integer partition values are range-checked and canonical (issue 9 item 6)', async () => {
    await createTable(store, 'default', 'CREATE TABLE n (a BIGINT) PARTITIONED BY (dt BIGINT)');
    await writeTable(dir, { table: 'n', partition: 'dt=12' }, [[[[1]]]]);
    await writeTable(dir, { table: 'n', partition: 'dt=00012', writeMode: 'append' }, [[[[2]]]]);
    expect(listPartitions(store, 'default', 'n').map((p) => [p.spec, p.rows])).toEqual([['dt=12', 2]]);
    expect(countRows(store, 'default', 'n', 'dt=012')).toBe(2);
    await expect(writeTable(dir, { table: 'n', partition: 'dt=99999999999999999999999' }, [[[[3]]]])).rejects.toThrow(
      'partition dt=99999999999999999999999 of table default.n: out of range for BIGINT (-9223372036854775808 to 9223372036854775807)',
    );
    expect(() => countRows(store, 'default', 'n', 'dt=abc')).toThrow('dt is BIGINT, expected an integer');
  });

  it('files are fsynced Parquet with the data columns only', async () => {
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[rows(10, 'a')], [rows(5, 'b')]]);
    const [p] = listPartitions(store, 'default', 't');
    expect(p!.files).toHaveLength(2);
    for (const f of p!.files) {
      expect(statSync(absPath(dir, f.path)).size).toBe(f.bytes);
      expect(f.stats).toEqual({ id: { nulls: 0 }, s: { nulls: 0 } });
    }
    expect(p!.bytes).toBe(p!.files[0]!.bytes + p!.files[1]!.bytes);
  });
});
