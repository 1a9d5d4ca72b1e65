import { PassThrough } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { createTable, type Store } from '@ferry/writer-table';
import { arrowExport, copyExport, displayWidth, headTable, SqlSession, writeResult, type SqlFormat } from '@ferry/writer-table/sql';
import { tempStore, withDuckDB } from './helpers.js';
import { commitFiles } from './sql-fixture.js';

let store: Store;
let cleanup: () => Promise<void>;
let dir: string;

const TYPES_ROWS = `SELECT * FROM (VALUES
  ('u1', '男', 12345678901234567890123456789012.3456::DECIMAL(38,4), 9223372036854775807::BIGINT, '2024-06-20 01:02:03.000007'::TIMESTAMP, '\\x00\\xff'::BLOB, DATE '2024-06-20', 0.1::DOUBLE, '白羊座😀'),
  ('u2', '', (-0.0001)::DECIMAL(38,4), (-9223372036854775808)::BIGINT, '2024-06-20 01:02:03.5'::TIMESTAMP, NULL, NULL, 'NaN'::DOUBLE, NULL)
) v(uid, gender, amount, big, ts, bin, day, score, zodiac)`;

beforeAll(async () => {
  ({ store, cleanup, dir } = tempStore());
  await createTable(
    store,
    'workshop',
    `
    CREATE TABLE ods_raw_log_d (col STRING) PARTITIONED BY (dt STRING);
    CREATE TABLE typed (uid STRING, gender STRING, amount DECIMAL(38,4), big BIGINT, ts DATETIME, bin BINARY, day DATE, score DOUBLE, zodiac STRING) PARTITIONED BY (dt STRING);
    CREATE TABLE empty_t (a BIGINT, b DECIMAL(10,2)) PARTITIONED BY (dt STRING, hh BIGINT);
    CREATE TABLE plain (n BIGINT);`,
  );
  await createTable(store, 'other', 'CREATE TABLE t (x STRING)');
  await commitFiles(store, 'workshop', 'ods_raw_log_d', 'dt=20240619', [{ select: `SELECT 'old ' || i AS col FROM range(3) t(i)` }]);
  await commitFiles(store, 'workshop', 'ods_raw_log_d', 'dt=20240620', [{ select: `SELECT 'a ' || i AS col FROM range(1000) t(i)` }, { select: `SELECT 'b ' || i AS col FROM range(5) t(i)` }]);
  await commitFiles(store, 'workshop', 'typed', 'dt=20240620', [{ select: TYPES_ROWS }]);
  await commitFiles(store, 'workshop', 'plain', '', [{ select: 'SELECT 7::BIGINT AS n' }]);
  await commitFiles(store, 'other', 't', '', [{ select: `SELECT 'from other' AS x` }]);
});

afterAll(async () => {
  await cleanup();
});

async function query(sql: string, format: SqlFormat = 'jsonl', project = 'workshop'): Promise<string> {
  const session = await SqlSession.open(store, { project });
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString('utf8')));
  try {
    for await (const { result } of session.run(sql)) await writeResult(result, out, { format });
  } finally {
    await session.close();
  }
  return text;
}

const rows = (jsonl: string) =>
  jsonl
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ferry sql views', () => {
  test("the tutorial's check query works verbatim: an unquoted number against a STRING partition column", async () => {
    expect(rows(await query('select count(*) as n from ods_raw_log_d where dt=20240620;'))).toEqual([{ n: 1005 }]);
    expect(rows(await query("select count(*) as n from ods_raw_log_d where dt='20240619'"))).toEqual([{ n: 3 }]);
  });

  test('partition columns are columns typed as the table declares them; project.table names work', async () => {
    expect(rows(await query('select typeof(dt) as t, count(*) as n from workshop.ods_raw_log_d group by all'))).toEqual([{ t: 'VARCHAR', n: 1008 }]);
    expect(rows(await query('select x from other.t'))).toEqual([{ x: 'from other' }]);
    expect(rows(await query('select x from t', 'jsonl', 'other'))).toEqual([{ x: 'from other' }]);
    expect(rows(await query('select n from plain'))).toEqual([{ n: 7 }]);
  });

  test('a table with no committed file has a view with the right columns and no rows', async () => {
    expect(rows(await query('select column_name as c, column_type as t from (describe empty_t)'))).toEqual([
      { c: 'a', t: 'BIGINT' },
      { c: 'b', t: 'DECIMAL(10,2)' },
      { c: 'dt', t: 'VARCHAR' },
      { c: 'hh', t: 'BIGINT' },
    ]);
    expect(rows(await query('select count(*) as n from empty_t'))).toEqual([{ n: 0 }]);
  });

  test("a filter on a partition column opens only that partition's files", async () => {
    const plan = await query('explain analyze select count(*) from ods_raw_log_d where dt=20240620', 'csv');
    const read = [...plan.matchAll(/Total Files Read: (\d+)/g)].map((m) => Number(m[1]));
    // Only the 20240620 branch is left, and it reads its two files.
    expect(read).toEqual([2]);
  });
});

describe('ferry sql values', () => {
  test('every type comes out in ferry text, value by value, NULL distinct from empty', async () => {
    expect(rows(await query('select * from typed order by uid'))).toEqual([
      {
        uid: 'u1',
        gender: '男',
        amount: '12345678901234567890123456789012.3456',
        big: expect.anything(),
        ts: '2024-06-20 01:02:03.000007',
        bin: 'AP8=',
        day: '2024-06-20',
        score: 0.1,
        zodiac: '白羊座😀',
        dt: '20240620',
      },
      { uid: 'u2', gender: '', amount: '-0.0001', big: expect.anything(), ts: '2024-06-20 01:02:03.500', bin: null, day: null, score: 'NaN', zodiac: null, dt: '20240620' },
    ]);
    // BIGINT is exact text (JSON.parse would round it): check the raw lines.
    const text = await query('select big from typed order by uid');
    expect(text).toBe('{"big":9223372036854775807}\n{"big":-9223372036854775808}\n');
    expect(await query('select uid, gender, zodiac from typed order by uid', 'csv')).toBe('uid,gender,zodiac\r\nu1,男,白羊座😀\r\nu2,"",\r\n');
  });

  test('ferry sql sees exactly what DuckDB reads from the committed files', async () => {
    const files = (await query('select 1', 'csv')) && store.partitions.get('workshop/typed/dt=20240620').files.map((f: { path: string }) => join(dir, f.path));
    const direct = await withDuckDB(async (conn) =>
      (
        await conn.runAndReadAll(
          `select uid, amount::varchar as amount, big::varchar as big, base64(bin) as bin, day::varchar as day from read_parquet(${JSON.stringify(files).replace(/"/g, "'")}) order by uid`,
        )
      ).getRowObjectsJson(),
    );
    const ours = await query('select uid, amount, big::varchar as big, bin, day from typed order by uid', 'json');
    expect(JSON.parse(ours)).toEqual(direct);
  });
});

describe('ferry sql is read-only', () => {
  test.each([
    'insert into ods_raw_log_d values (1)',
    'INSERT INTO missing VALUES (1)',
    'update typed set uid = 1',
    'delete from typed',
    'create table z (a int)',
    'drop view typed',
    "copy typed to '/tmp/x.csv'",
    "attach ':memory:' as m",
    'pragma enable_profiling',
    'set threads = 1',
    'install httpfs',
    'load parquet',
    'select 1; drop view typed',
    'explain analyze create table z as select 1',
    'checkpoint',
  ])('%s is refused', async (sql) => {
    await expect(query(sql)).rejects.toMatchObject({ code: 'FERRY_ERR_SQL', message: expect.stringMatching(/read-only/) });
  });

  test('reading a file outside the committed ones is refused', async () => {
    await expect(query("select * from read_csv('/etc/passwd')")).rejects.toMatchObject({ code: 'FERRY_ERR_SQL', message: expect.stringMatching(/Permission Error.*\/etc\/passwd/) });
    await expect(query(`select * from read_blob('${join(dir, 'store.mdb')}')`)).rejects.toMatchObject({ message: expect.stringMatching(/Permission Error/) });
  });
});

describe('ferry sql errors', () => {
  test('a DuckDB error is one line with the position in the statement', async () => {
    const err = await query('select *\nfrom ods_raw_log_d\nwhere nosuch = 1').catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'FERRY_ERR_SQL' });
    expect((err as Error).message).toMatch(/^Binder Error: Referenced column "nosuch" not found in FROM clause! \(line 3, column 7\)$/);
    // The position is in the text as written, also after an unquoted partition value was read as text.
    const shifted = await query('select * from typed where dt=20240620 and nosuch = 1').catch((e: Error) => e);
    expect((shifted as Error).message).toMatch(/\(line 1, column 43\)$/);
    const syntax = await query('select * frm typed').catch((e: Error) => e);
    expect((syntax as Error).message).toBe('Parser Error: syntax error at or near "typed" (line 1, column 14)');
  });
});

describe('table head and export through DuckDB', () => {
  test('head is in partition, file and row order and lines up CJK and emoji by display width', async () => {
    const text = await headTable(store, 'workshop', 'ods_raw_log_d', { n: 5 });
    const lines = text.trimEnd().split('\n');
    expect(lines.slice(2).map((l) => l.split(' | ')[0]!.trim())).toEqual(['old 0', 'old 1', 'old 2', 'a 0', 'a 1']);
    const typed = (await headTable(store, 'workshop', 'typed')).trimEnd().split('\n');
    const bars = typed.map((l) => {
      const chars = [...l];
      const at: number[] = [];
      for (let i = 0; i < chars.length; i++) if (chars[i] === '|') at.push(displayWidth(chars.slice(0, i).join('')));
      return at;
    });
    for (const b of bars.slice(2)) expect(b).toEqual(bars[0]);
  });

  test('CSV and JSON Lines exports keep the text rules (NULL vs empty, exact DECIMAL and BIGINT, base64)', async () => {
    const csvFile = join(dir, 'typed.csv');
    expect(await copyExport(store, 'workshop', 'typed', { format: 'csv', output: csvFile })).toEqual({ rows: 2 });
    const csv = readFileSync(csvFile, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('uid,gender,amount,big,ts,bin,day,score,zodiac,dt');
    expect(csv).toContain('u1,男,12345678901234567890123456789012.3456,9223372036854775807,2024-06-20 01:02:03.000007,AP8=,2024-06-20,0.1,白羊座😀,20240620\r\n');
    expect(csv).toContain('u2,"",-0.0001,-9223372036854775808,2024-06-20 01:02:03.500,,,NaN,,20240620\r\n');
    const jsonFile = join(dir, 'typed.jsonl');
    await copyExport(store, 'workshop', 'typed', { format: 'jsonl', output: jsonFile });
    expect(readFileSync(jsonFile, 'utf8')).toBe(await query('select * from typed', 'jsonl'));
  });

  test('a Parquet export holds the committed rows with their types; a --partition selects, --limit stops', async () => {
    const file = join(dir, 'raw.parquet');
    expect(await copyExport(store, 'workshop', 'ods_raw_log_d', { format: 'parquet', output: file, partition: 'dt=20240620', limit: 1004 })).toEqual({ rows: 1004 });
    const got = await withDuckDB(async (conn) => (await conn.runAndReadAll(`select count(*)::int as n, count(distinct dt)::int as d, min(dt) as dt from read_parquet('${file}')`)).getRowObjectsJson());
    expect(got).toEqual([{ n: 1004, d: 1, dt: '20240620' }]);
  });

  test('an Arrow export decodes the files and adds the partition columns', async () => {
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on('data', (d: Buffer) => chunks.push(d));
    expect(await arrowExport(store, 'workshop', 'typed', { out })).toEqual({ rows: 2 });
    const table = tableFromIPC(Buffer.concat(chunks));
    expect(table.schema.fields.map((f) => f.name)).toEqual(['uid', 'gender', 'amount', 'big', 'ts', 'bin', 'day', 'score', 'zodiac', 'dt']);
    expect(table.getChild('big')!.toArray()).toEqual(new BigInt64Array([9223372036854775807n, -9223372036854775808n]));
    expect([...table.getChild('dt')!]).toEqual(['20240620', '20240620']);
    expect(table.getChild('gender')!.get(1)).toBe('');
    expect(table.getChild('zodiac')!.get(1)).toBeNull();
  });
});
