import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, FerryError } from '@ferry/core';
import tableWriter, {
  countRows,
  createTable,
  dropTable,
  listDataFiles,
  ParquetWriter,
  sweepOrphans,
  exportRows,
  gc,
  getTable,
  headText,
  listPartitions,
  listTables,
  openStore,
  scanBatches,
  type Store,
  type TableWriteHandle,
} from '@ferry/writer-table';
import { batchOf, channelCtx, collector, jobCtx, tempStore, writeTable, destSchema } from './helpers.js';

let dir: string;
let store: Store;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, store, cleanup } = tempStore());
  await createTable(
    store,
    'default',
    `CREATE TABLE ods_user_info_d (uid STRING COMMENT 'User ID', age BIGINT)
    COMMENT 'users' PARTITIONED BY (dt STRING) LIFECYCLE 7;`,
  );
});
afterEach(() => cleanup());

async function jsonl(table: string, partition?: string, project = 'default'): Promise<unknown[]> {
  const c = collector();
  await exportRows(store, project, table, { format: 'jsonl', partition, out: c.out });
  return c
    .text()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<FerryError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe(code);
    return err as FerryError;
  }
  throw new Error('expected a FerryError');
}

describe('catalog', () => {
  it('creates, lists, describes and drops tables', async () => {
    expect(listTables(store, 'default').map((t) => t.name)).toEqual(['ods_user_info_d']);
    const def = getTable(store, 'default', 'ODS_USER_INFO_D')!;
    expect(def.comment).toBe('users');
    expect(def.lifecycle).toBe(7);
    expect(def.ddl).toContain('PARTITIONED BY');
    expect(await dropTable(store, 'default', 'ods_user_info_d')).toBe(true);
    expect(listTables(store, 'default')).toEqual([]);
    await rejects(dropTable(store, 'default', 'ods_user_info_d'), ErrorCodes.NOT_FOUND);
    expect(await dropTable(store, 'default', 'ods_user_info_d', { ifExists: true })).toBe(false);
  });

  it('refuses to create an existing table unless IF NOT EXISTS', async () => {
    const err = await rejects(createTable(store, 'default', 'CREATE TABLE ods_user_info_d (x STRING)'), ErrorCodes.STORE);
    expect(err.message).toContain('table default.ods_user_info_d already exists');
    const [r] = await createTable(store, 'default', 'CREATE TABLE IF NOT EXISTS ods_user_info_d (x STRING)');
    expect(r!.created).toBe(false);
    expect(r!.table.columns.map((c) => c.name)).toEqual(['uid', 'age']);
  });

  it('keeps projects apart', async () => {
    await createTable(store, 'prod', 'CREATE TABLE ods_user_info_d (other STRING)');
    expect(getTable(store, 'prod', 'ods_user_info_d')!.columns.map((c) => c.name)).toEqual(['other']);
    expect(getTable(store, 'default', 'ods_user_info_d')!.columns.map((c) => c.name)).toEqual(['uid', 'age']);
    await createTable(store, 'default', 'CREATE TABLE dev2.t (a INT)');
    expect(listTables(store, 'dev2').map((t) => t.name)).toEqual(['t']);
  });

  it('drops a table with its partitions and data files', async () => {
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=20240101' }, [[[['a', 1]]]]);
    expect(listDataFiles(dir).length).toBe(1);
    await dropTable(store, 'default', 'ods_user_info_d');
    expect(listDataFiles(dir).length).toBe(0);
    expect(store.partitions.getKeysCount()).toBe(0);
  });
});

describe('writing through the table plugin', () => {
  it('overwrite replaces a partition and append adds to it', async () => {
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=20240620' }, [
      [
        [
          ['u1', 1],
          ['u2', 2],
        ],
      ],
      [[['u3', 3]]],
    ]);
    expect(countRows(store, 'default', 'ods_user_info_d')).toBe(3);
    const r = await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=20240620' }, [[[['n1', 10]]]]);
    expect(r).toMatchObject({ writeMode: 'overwrite', rowsWritten: 1, rowsReplaced: 3, partitionRows: 1 });
    expect(await jsonl('ods_user_info_d')).toEqual([{ uid: 'n1', age: 10, dt: '20240620' }]);
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=20240620', writeMode: 'append' }, [[[['n2', 20]], [['n3', 30]]]]);
    expect(countRows(store, 'default', 'ods_user_info_d', 'dt=20240620')).toBe(3);
    expect((await jsonl('ods_user_info_d')).map((r) => (r as { uid: string }).uid)).toEqual(['n1', 'n2', 'n3']);
    // Overwrite deleted the first write's files.
    expect(listDataFiles(dir).length).toBe(2);
  });

  it('counts per partition and for the whole table across two partitions', async () => {
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=20240620' }, [
      [
        [
          ['a', 1],
          ['b', 2],
        ],
      ],
    ]);
    await writeTable(dir, { table: 'ods_user_info_d', partition: "dt='20240621'" }, [[[['c', 3]]]]);
    expect(countRows(store, 'default', 'ods_user_info_d')).toBe(3);
    expect(countRows(store, 'default', 'ods_user_info_d', 'dt=20240620')).toBe(2);
    expect(countRows(store, 'default', 'ods_user_info_d', 'dt=20240621')).toBe(1);
    expect(countRows(store, 'default', 'ods_user_info_d', 'dt=20990101')).toBe(0);
    expect(listPartitions(store, 'default', 'ods_user_info_d').map((p) => [p.spec, p.rows])).toEqual([
      ['dt=20240620', 2],
      ['dt=20240621', 1],
    ]);
    expect(await jsonl('ods_user_info_d', 'dt=20240621')).toEqual([{ uid: 'c', age: 3, dt: '20240621' }]);
  });

  it('writes columns left out of "columns" as NULL, in the listed order', async () => {
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=1', columns: ['age'] }, [[[[5], [null]]]]);
    expect(await jsonl('ods_user_info_d')).toEqual([
      { uid: null, age: 5, dt: '1' },
      { uid: null, age: null, dt: '1' },
    ]);
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=2', columns: ['age', 'uid'] }, [[[[7, 'x']]]]);
    expect(await jsonl('ods_user_info_d', 'dt=2')).toEqual([{ uid: 'x', age: 7, dt: '2' }]);
  });

  it('reports a missing table naming the table, project and store', async () => {
    const err = await rejects(() => tableWriter.schema({ table: 'nope', writeMode: 'overwrite' } as never, jobCtx(dir)), ErrorCodes.NOT_FOUND);
    expect(err.message).toContain('table nope does not exist in project default of store ' + dir);
  });

  it('checks the partition spec against the table', async () => {
    const ctx = jobCtx(dir);
    const schema = (config: object) => () => tableWriter.schema({ table: 'ods_user_info_d', writeMode: 'overwrite', ...config } as never, ctx);
    expect((await rejects(schema({}), ErrorCodes.CONFIG)).message).toContain('is partitioned by (dt): give "partition"');
    expect((await rejects(schema({ partition: 'hh=1' }), ErrorCodes.CONFIG)).message).toContain('which is partitioned by (dt)');
    expect((await rejects(schema({ partition: 'dt=1,hh=2' }), ErrorCodes.CONFIG)).message).toContain('which is partitioned by (dt)');
    expect((await rejects(schema({ columns: ['dt'], partition: 'dt=1' }), ErrorCodes.CONFIG)).message).toContain('dt is a partition column');
    await createTable(store, 'default', 'CREATE TABLE flat (a INT)');
    const flat = () => tableWriter.schema({ table: 'flat', writeMode: 'overwrite', partition: 'dt=1' } as never, ctx);
    expect((await rejects(flat, ErrorCodes.CONFIG)).message).toContain('table default.flat is not partitioned');
  });

  it('writes several partition columns, given as a,b or a/b', async () => {
    await createTable(store, 'default', 'CREATE TABLE hourly (v INT) PARTITIONED BY (dt STRING, hh STRING)');
    await writeTable(dir, { table: 'hourly', partition: 'hh=01,dt=20240620' }, [[[[1]]]]);
    await writeTable(dir, { table: 'hourly', partition: 'dt=20240620/hh=02' }, [[[[2], [3]]]]);
    expect(listPartitions(store, 'default', 'hourly').map((p) => p.spec)).toEqual(['dt=20240620/hh=01', 'dt=20240620/hh=02']);
    expect(countRows(store, 'default', 'hourly', 'dt=20240620')).toBe(3);
    expect(countRows(store, 'default', 'hourly', 'hh=02')).toBe(2);
  });

  it('writes into a non-partitioned table', async () => {
    await createTable(store, 'default', 'CREATE TABLE flat (a INT)');
    await writeTable(dir, { table: 'flat' }, [[[[1], [2]]]]);
    expect(countRows(store, 'default', 'flat')).toBe(2);
    expect(await jsonl('flat')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('cuts large writes into several files and scans them back in order', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => [`user-${i}-${'x'.repeat(20)}`, i]);
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=1', fileBytes: 65536 }, [[rows.slice(0, 10_000), rows.slice(10_000, 20_000), rows.slice(20_000)]]);
    const [p] = listPartitions(store, 'default', 'ods_user_info_d');
    expect(p!.files.length).toBeGreaterThan(1);
    expect(p!.files.reduce((n, f) => n + f.rows, 0)).toBe(30_000);
    let n = 0;
    for await (const b of scanBatches(store, 'default', 'ods_user_info_d')) {
      const ages = b.getChild('age')!.toArray() as BigInt64Array;
      for (const a of ages) expect(Number(a)).toBe(n++);
    }
    expect(n).toBe(30_000);
  });

  it('writes numeric and text tables as Parquet files under data/<project>/<table>/<spec>/ and reads both back', async () => {
    await createTable(store, 'default', 'CREATE TABLE nums (a BIGINT, b DOUBLE)');
    await writeTable(dir, { table: 'nums' }, [
      [
        [
          [1, 0.5],
          [2, 1.5],
        ],
      ],
    ]);
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=1' }, [[[['a long enough user id string', 1]]]]);
    const paths = [...listPartitions(store, 'default', 'nums'), ...listPartitions(store, 'default', 'ods_user_info_d')].map((p) => p.files[0]!.path);
    expect(paths[0]).toMatch(/^data\/default\/nums\/[^/]+\.parquet$/);
    expect(paths[1]).toMatch(/^data\/default\/ods_user_info_d\/dt=1\/[^/]+\.parquet$/);
    expect(listDataFiles(dir)).toEqual([...paths].sort());
    const [p] = listPartitions(store, 'default', 'ods_user_info_d');
    expect(p).toMatchObject({ spec: 'dt=1', values: { dt: '1' }, rows: 1 });
    expect(p!.files[0]!.stats).toEqual({ uid: { nulls: 0 }, age: { nulls: 0 } });
    expect(await jsonl('nums')).toEqual([
      { a: 1, b: 0.5 },
      { a: 2, b: 1.5 },
    ]);
    expect(await jsonl('ods_user_info_d')).toEqual([{ uid: 'a long enough user id string', age: 1, dt: '1' }]);
  });

  it('abort leaves the old partition intact and deletes the staged files', async () => {
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=1' }, [[[['old', 1]]]]);
    const ctx = jobCtx(dir);
    const cfg = { table: 'ods_user_info_d', partition: 'dt=1', writeMode: 'overwrite', lockWaitSeconds: 0, fileBytes: 65536 } as never;
    const schema = await destSchema(cfg, ctx);
    const handle = (await tableWriter.prepare(cfg, { ...ctx, schema })) as TableWriteHandle;
    const sink = await tableWriter.open(handle, channelCtx(dir, 0));
    await sink.write(batchOf(schema, [['new', 2]]));
    const segs = await sink.close();
    expect(listDataFiles(dir).length).toBe(2);
    await tableWriter.abort(handle, segs, ctx);
    expect(listDataFiles(dir).length).toBe(1);
    expect(await jsonl('ods_user_info_d')).toEqual([{ uid: 'old', age: 1, dt: '1' }]);
    // The lock went with it: the next write goes through.
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=1' }, [[[['next', 3]]]]);
    expect(countRows(store, 'default', 'ods_user_info_d')).toBe(1);
  });

  it('a second write to the same partition fails naming the partition and the holder pid, never interleaving', async () => {
    const ctx = jobCtx(dir);
    const cfg = { table: 'ods_user_info_d', partition: 'dt=1', writeMode: 'overwrite', lockWaitSeconds: 0, fileBytes: 65536 } as never;
    const schema = await destSchema(cfg, ctx);
    const first = (await tableWriter.prepare(cfg, { ...ctx, schema })) as TableWriteHandle;
    const err = await rejects(Promise.resolve(tableWriter.prepare(cfg, { ...ctx, schema })), ErrorCodes.STORE);
    expect(err.message).toContain(`partition dt=1 of table default.ods_user_info_d is being written by another job (pid ${process.pid}`);
    // Another partition of the same table is free.
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=2' }, [[[['b', 2]]]]);
    // With a wait, the second write goes through once the first one ends.
    const second = tableWriter.prepare({ ...(cfg as object), lockWaitSeconds: 10 } as never, { ...ctx, schema });
    await new Promise((r) => setTimeout(r, 300));
    await tableWriter.commit(first, [], ctx);
    const handle = (await second) as TableWriteHandle;
    await tableWriter.commit(handle, [], ctx);
    expect(countRows(store, 'default', 'ods_user_info_d', 'dt=1')).toBe(0);
  });
});

describe('lifecycle', () => {
  it('keeps a partition at now + 6 days and drops it at now + 8 days', async () => {
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=20240620' }, [[[['a', 1]]]]);
    const day = 86_400_000;
    expect(await gc(store, 'default', { now: new Date(Date.now() + 6 * day) })).toEqual([]);
    expect(countRows(store, 'default', 'ods_user_info_d')).toBe(1);
    const dropped = await gc(store, 'default', { now: new Date(Date.now() + 8 * day).toISOString() });
    expect(dropped.map((d) => [d.table, d.partition, d.rows])).toEqual([['ods_user_info_d', 'dt=20240620', 1]]);
    expect(listPartitions(store, 'default', 'ods_user_info_d')).toEqual([]);
    expect(listDataFiles(dir).length).toBe(0);
  });

  it('gc deletes orphaned data files but keeps published and pending ones', async () => {
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=1' }, [[[['kept', 1]]]]);
    const ctx = jobCtx(dir);
    const cfg = { table: 'ods_user_info_d', partition: 'dt=2', writeMode: 'overwrite', lockWaitSeconds: 0, fileBytes: 65536 } as never;
    const schema = await destSchema(cfg, ctx);
    const running = (await tableWriter.prepare(cfg, { ...ctx, schema })) as TableWriteHandle;
    const sink = await tableWriter.open(running, channelCtx(dir, 0));
    await sink.write(batchOf(schema, [['staged', 2]]));
    await sink.close();
    // A channel that wrote after its write was aborted leaves files nobody owns.
    const late = new ParquetWriter(store, { writeId: 'zzz-dead-write', def: running.def, partition: 'dt=2', columns: running.columns, channel: 0 });
    await late.write(batchOf(schema, [['orphan', 3]]));
    await late.close();
    expect(listDataFiles(dir).length).toBe(3);
    expect(await sweepOrphans(store)).toBe(1);
    expect(listDataFiles(dir).length).toBe(2);
    await tableWriter.abort(running, [], ctx);
    expect(listDataFiles(dir).length).toBe(1);
    expect(countRows(store, 'default', 'ods_user_info_d')).toBe(1);
  });

  it('leaves tables without LIFECYCLE alone', async () => {
    await createTable(store, 'default', 'CREATE TABLE keep (a INT) PARTITIONED BY (dt STRING)');
    await writeTable(dir, { table: 'keep', partition: 'dt=1' }, [[[[1]]]]);
    expect(await gc(store, 'default', { now: Date.now() + 1000 * 86_400_000 })).toEqual([]);
    expect(countRows(store, 'default', 'keep')).toBe(1);
  });
});

describe('head', () => {
  it('prints a readable table with NULLs', async () => {
    await writeTable(dir, { table: 'ods_user_info_d', partition: 'dt=1' }, [
      [
        [
          ['alice', 30],
          [null, null],
        ],
      ],
    ]);
    expect(await headText(store, 'default', 'ods_user_info_d', { n: 5 })).toBe(['uid   | age  | dt', '------+------+---', 'alice | 30   | 1', 'NULL  | NULL | 1', ''].join('\n'));
  });
});

describe('stores of an older format', () => {
  it('refuses a format-2 store (data inside store.mdb) in one line naming the upgrade command, and leaves it alone', async () => {
    const { open } = await import('lmdb');
    const old = join(dir, 'old');
    mkdirSync(old);
    const env = open({ path: join(old, 'store.mdb'), maxDbs: 64 });
    env.openDB({ name: 'writes' }).putSync('format', 2);
    env.openDB({ name: 'catalog' }).putSync('default/t', { project: 'default', name: 't' });
    await env.close();
    expect(() => openStore(old)).toThrow(`store ${old} has format 2 (data inside store.mdb); this ferry reads format 3 (Parquet files): run \`ferry store upgrade --store ${old}\``);
    const again = open({ path: join(old, 'store.mdb'), maxDbs: 64 });
    expect(again.openDB({ name: 'writes' }).get('format')).toBe(2);
    await again.close();
  });
});
