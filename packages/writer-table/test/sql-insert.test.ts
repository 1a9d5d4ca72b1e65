import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTable, listDataFiles, listPartitions, listPending, reclaimDeadWrites, scanBatches, scanSchema, type Store } from '@ferry/writer-table';
import { classify, insertSelect, runScript, type InsertStatement, type ScriptOptions } from '@ferry/writer-table/sql';
import { scriptRows, tempStore, writeTable } from './helpers.js';

let store: Store;
let dir: string;
let cleanup: () => Promise<void>;

/** Source rows: uid, amount, ts (the sync side, written by the real table writer). */
const SOURCE: [string, number, string][] = [];
for (let i = 0; i < 50; i++) SOURCE.push([`u${i % 7}`, i * 3 + 1, `2024-06-20 0${i % 10}:00:0${i % 6}`]);

beforeEach(async () => {
  ({ store, dir, cleanup } = tempStore());
  await createTable(
    store,
    'p',
    `
    CREATE TABLE ods (uid STRING, amount BIGINT, ts DATETIME) PARTITIONED BY (dt STRING);
    CREATE TABLE agg (uid STRING, total BIGINT, n INT, avg_amount DECIMAL(10,2), last_ts DATETIME, at TIMESTAMP, small TINYINT, ok BOOLEAN, day DATE, f FLOAT) PARTITIONED BY (dt STRING);
    CREATE TABLE plain (n BIGINT);`,
  );
  await writeTable(dir, { table: 'ods', partition: 'dt=20240620' }, [[SOURCE.map(([u, a, t]) => [u, BigInt(a), BigInt(Date.parse(t.replace(' ', 'T') + 'Z')) * 1000n])]], 'p');
});

afterEach(async () => {
  await cleanup();
});

const sql = (text: string, extra: Partial<ScriptOptions> = {}) => scriptRows(store, text, extra);

const AGG = `INSERT OVERWRITE TABLE agg PARTITION (dt='20240620')
  SELECT uid, sum(amount), count(*), avg(amount), max(ts), max(ts), 1, true, DATE '2024-06-20', 0.5
  FROM ods WHERE dt = '20240620' GROUP BY uid`;

function expected(): Map<string, { total: bigint; n: number }> {
  const m = new Map<string, { total: bigint; n: number }>();
  for (const [u, a] of SOURCE) {
    const e = m.get(u) ?? { total: 0n, n: 0 };
    e.total += BigInt(a);
    e.n++;
    m.set(u, e);
  }
  return m;
}

describe('INSERT ... SELECT into the store', () => {
  test('INSERT OVERWRITE into a partition gives the aggregate, committed like the table writer', async () => {
    const reports: unknown[] = [];
    await sql(AGG, { onInsert: (r) => void reports.push(r) });
    expect(reports).toEqual([expect.objectContaining({ table: 'p.agg', partition: 'dt=20240620', writeMode: 'overwrite', rowsWritten: 7, partitionRows: 7 })]);
    const got = await sql(`SELECT uid, total, n, avg_amount, dt FROM agg ORDER BY uid`);
    const want = [...expected()].sort(([a], [b]) => a.localeCompare(b));
    expect(got.map((r) => [r.uid, BigInt(r.total as bigint), r.n, r.dt])).toEqual(want.map(([u, e]) => [u, e.total, e.n, '20240620']));
    for (const r of got) {
      const e = expected().get(r.uid as string)!;
      expect(Number(r.avg_amount)).toBeCloseTo(Math.round((Number(e.total) / e.n) * 100) / 100, 2);
    }
    // The file's Arrow schema (parquet-wasm's reading, as table export/scan use) is the table writer's.
    const schema = scanSchema(listTable('agg'));
    let batches = 0;
    for await (const b of scanBatches(store, 'p', 'agg')) {
      batches++;
      expect(b.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(schema.fields.map((f) => `${f.name}:${String(f.type)}`));
    }
    expect(batches).toBeGreaterThan(0);
    expect(listPending(store)).toEqual([]);
  });

  test('a failing statement leaves the old partition as it was, and no staged file', async () => {
    await sql(AGG);
    const before = listPartitions(store, 'p', 'agg');
    const files = listDataFiles(dir);
    await expect(
      sql(`INSERT OVERWRITE TABLE agg PARTITION (dt='20240620')
      SELECT uid, CASE WHEN amount > 100 THEN error('boom') ELSE amount END, 1, 1, ts, ts, 1, true, DATE '2024-06-20', 1 FROM ods`),
    ).rejects.toThrow(/boom/);
    expect(listPartitions(store, 'p', 'agg')).toEqual(before);
    expect(listDataFiles(dir)).toEqual(files);
    expect(listPending(store)).toEqual([]);
    expect((await sql('SELECT count(*) AS c FROM agg'))[0]!.c).toBe(7n);
  });

  test('INSERT INTO appends; a non-partitioned target needs no PARTITION', async () => {
    await sql(`INSERT INTO TABLE plain SELECT 1; INSERT INTO plain SELECT n + 1 FROM plain; INSERT INTO TABLE plain SELECT 10`);
    expect((await sql('SELECT n FROM plain ORDER BY n')).map((r) => r.n)).toEqual([1n, 2n, 10n]);
    await sql(`INSERT OVERWRITE TABLE plain SELECT sum(n) FROM plain`);
    expect((await sql('SELECT n FROM plain')).map((r) => r.n)).toEqual([13n]);
  });

  test('a value that does not fit the column type fails naming the column', async () => {
    await expect(
      sql(`INSERT OVERWRITE TABLE agg PARTITION (dt='20240620')
      SELECT uid, amount, 1, 1, ts, ts, amount * 10, true, DATE '2024-06-20', 1 FROM ods`),
    ).rejects.toThrow(/column small of p\.agg: value \d+ does not fit TINYINT/);
    await expect(sql(`INSERT INTO plain SELECT 'abc'`)).rejects.toThrow(/column n of p\.plain: value abc does not fit BIGINT/);
    expect(listPartitions(store, 'p', 'agg')).toEqual([]);
    expect(listPending(store)).toEqual([]);
  });

  test('writes are refused without write; wrong shapes are one-line errors', async () => {
    await expect(sql(AGG, { write: false })).rejects.toThrow(/--write/);
    await expect(sql(`INSERT INTO plain SELECT 1, 2`)).rejects.toThrow(/gives 2 column\(s\), the table has 1/);
    await expect(sql(`INSERT INTO agg SELECT 1`)).rejects.toThrow(/add PARTITION \(dt='...'\)/);
    await expect(sql('SELECT 1;\nINSERT INTO plain\n  SELECT 1, 2')).rejects.toThrow(/gives 2 column\(s\), the table has 1 .* \(line 3, column 3\)$/);
    // A PARTITION spec that does not fit the table is placed at the spec.
    await expect(sql("SELECT 1;\nINSERT INTO agg PARTITION ( day='1') SELECT 1")).rejects.toThrow(/^partition "day='1'" does not match table p\.agg.* \(line 2, column 29\)$/);
    await expect(sql(`INSERT INTO missing SELECT 1`)).rejects.toThrow(/table missing does not exist/);
  });

  test('a big result is split into files by size, each with its rows, bytes and null counts in the catalog', async () => {
    const stmt = classify('INSERT OVERWRITE TABLE plain SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE i END FROM range(300000) t(i)') as InsertStatement;
    const r = await insertSelect(store, 'p', stmt, { fileBytes: 1 });
    expect(r.rowsWritten).toBe(300000);
    const [part] = listPartitions(store, 'p', 'plain');
    expect(part!.files.length).toBeGreaterThan(1);
    expect(part!.files.reduce((n, f) => n + f.rows, 0)).toBe(300000);
    expect(part!.files.reduce((n, f) => n + f.stats!.n!.nulls, 0)).toBe(30000);
    for (const f of part!.files) {
      expect(f.path).toMatch(/^data\/p\/plain\/[^/]+-sql-\d+\.parquet$/);
      expect(f.rows).toBeGreaterThan(0);
      expect(f.bytes).toBeGreaterThan(0);
    }
    let rows = 0;
    let sum = 0n;
    for await (const b of scanBatches(store, 'p', 'plain'))
      for (const v of b.getChild('n')!) {
        rows++;
        if (v !== null) sum += BigInt(v as bigint);
      }
    expect(rows).toBe(300000);
    expect(sum).toBe(BigInt((300000 * 299999) / 2) - BigInt((10 * (30000 * 29999)) / 2));
  });

  test('CREATE TABLE IF NOT EXISTS goes to the store', async () => {
    await sql(`CREATE TABLE IF NOT EXISTS made (a STRING) PARTITIONED BY (dt STRING); CREATE TABLE IF NOT EXISTS made (a STRING) PARTITIONED BY (dt STRING);
      INSERT OVERWRITE TABLE made PARTITION (dt='1') SELECT 'x'; SELECT a, dt FROM made`).then((rows) => expect(rows).toEqual([{ a: 'x', dt: '1' }]));
  });
  test('kill -9 during an INSERT OVERWRITE leaves the old partition; the next open deletes the staged file', async () => {
    await sql(AGG);
    const before = listPartitions(store, 'p', 'agg');
    const files = listDataFiles(dir);
    const sqlUrl = pathToFileURL(join(fileURLToPath(import.meta.url), '../../dist/sql/index.js')).href;
    const indexUrl = pathToFileURL(join(fileURLToPath(import.meta.url), '../../dist/index.js')).href;
    const script = join(dir, 'child.mjs');
    // A big result: the COPY is still writing when the parent kills it.
    writeFileSync(
      script,
      `
import { openStore } from '${indexUrl}';
import { runScript } from '${sqlUrl}';
const store = openStore(${JSON.stringify(dir)});
await runScript(store, "INSERT OVERWRITE TABLE agg PARTITION (dt='20240620') SELECT 'u' || i, i, 1, 1, NULL, NULL, 1, true, NULL, 1 FROM range(200000000) t(i)", { project: 'p', write: true });
`,
    );
    const child = spawn(process.execPath, [script], { stdio: 'ignore' });
    try {
      // Wait until the child's write is pending and DuckDB has started its file.
      while (!(listPending(store).length > 0 && listDataFiles(dir).length > files.length)) {
        if (child.exitCode !== null) throw new Error(`child exited early with ${child.exitCode}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(listPartitions(store, 'p', 'agg')).toEqual(before);
    expect(reclaimDeadWrites(store)).toBe(1);
    expect(listPending(store)).toEqual([]);
    expect(listDataFiles(dir)).toEqual(files);
    expect((await sql('SELECT count(*) AS c FROM agg'))[0]!.c).toBe(7n);
  });
});

function listTable(name: string) {
  return store.catalog.get(`p/${name}`);
}
