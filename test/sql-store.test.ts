/**
 * `ferry sql` over tables the real table writer filled: every type from a
 * real MariaDB table through the mysql reader, value by value against what
 * MariaDB prints and what DuckDB reads from the committed files; and a
 * reader that runs while an overwrite commits sees the old partition or the
 * new one, never a mix and never a missing file.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, sql as mariadb } from './mariadb.js';
import { ROOT, runCli, tempDir } from './helpers.js';

const duckdbPath = createRequire(join(ROOT, 'packages/writer-table/package.json')).resolve('@duckdb/node-api');
const { DuckDBInstance } = (await import(duckdbPath)) as typeof import('../packages/writer-table/node_modules/@duckdb/node-api/lib/index.js');
const writerTable = (await import(join(ROOT, 'packages/writer-table/dist/index.js'))) as typeof import('@ferry/writer-table');
const sqlSide = (await import(join(ROOT, 'packages/writer-table/dist/sql/index.js'))) as typeof import('@ferry/writer-table/sql');

let dir: string;
let cleanup: () => void;
let storeDir: string;
const ferry = (args: string[]) => runCli([...args, '--store', storeDir, '--project', 'p']);

beforeAll(() => {
  ({ dir, cleanup } = tempDir('ferry-sql-store-'));
  storeDir = join(dir, 'store');
});
afterAll(() => cleanup());

/** ferry's DATETIME text from MariaDB's DATETIME(6) text: no fraction when whole seconds, 3 digits when whole milliseconds. */
function ferryDateTime(text: string): string {
  return text.replace(/\.000000$/, '').replace(/(\.\d{3})000$/, '$1');
}

describe('every type through the real writer', () => {
  let db: { name: string; drop: () => void };
  beforeAll(() => {
    db = createDatabase();
    mariadb(
      `SET NAMES utf8mb4; CREATE TABLE t (id INT PRIMARY KEY, d DECIMAL(38,10), b BIGINT, u BIGINT UNSIGNED, ts DATETIME(6), bin VARBINARY(16), s VARCHAR(64) CHARACTER SET utf8mb4, day DATE);
      INSERT INTO t VALUES
        (1, 1234567890123456789012345678.0123456789, 9223372036854775807, 18446744073709551615, '2024-06-20 01:02:03.000007', X'00FF10', '白羊座 😀 𝄞', '2024-06-20'),
        (2, -0.0000000001, -9223372036854775808, 0, '1999-12-31 23:59:59', X'', '', '1970-01-01'),
        (3, NULL, 9223372036854775806, 9223372036854775808, '2024-06-20 01:02:03.5', NULL, NULL, NULL),
        (4, 0, -1, 1, NULL, X'41', 'a,b"c\nd', '9999-12-31');`,
      db.name,
    );
  });
  afterAll(() => db.drop());

  test('ferry sql and DuckDB see exactly the committed rows, value by value', async () => {
    const ddl = 'CREATE TABLE t (id INT, d DECIMAL(38,10), b BIGINT, u DECIMAL(20,0), ts DATETIME, bin BINARY, s STRING, day DATE) PARTITIONED BY (ds STRING)';
    expect((await ferry(['table', 'create', '--sql', ddl])).code).toBe(0);
    const job = join(dir, 'types.json');
    writeFileSync(
      job,
      JSON.stringify({
        reader: { plugin: 'mysql', url: `jdbc:mysql://127.0.0.1:3306/${db.name}`, username: 'root', password: '', table: 't', timezone: '+00:00' },
        writer: { plugin: 'table', table: 't', partition: 'ds=20240620' },
        setting: { channel: 2 },
      }),
    );
    const run = await ferry(['run', job]);
    expect(run.code, run.stderr).toBe(0);

    // What MariaDB prints in batch mode (NULL as NULL, a line break in a value as \n), one row per line.
    const expected = mariadb("SET NAMES utf8mb4; SELECT id, d, b, u, DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f'), TO_BASE64(bin), s, day FROM t ORDER BY id", db.name)
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t').map((v) => (v === 'NULL' ? null : v)));
    for (const r of expected) if (r[4] !== null) r[4] = ferryDateTime(r[4]!);
    for (const r of expected) if (r[6] !== null) r[6] = r[6]!.replace(/\\n/g, '\n');

    // ferry sql, JSON Lines: compared as raw text (BIGINT and DECIMAL never pass through a JS number).
    const out = await ferry(['sql', '--format', 'csv', 'select id, d, b, u, ts, bin, s, day from t where ds=20240620 order by id']);
    expect(out.stderr).toBe('');
    const ours = parseCsv(out.stdout).slice(1);
    expect(ours).toEqual(expected.map((r) => r.map((v) => v ?? null)));

    // DuckDB over the files the catalog lists.
    const store = writerTable.openStore(storeDir);
    const meta = writerTable.listPartitions(store, 'p', 't')[0]!;
    await store.close();
    const files = meta.files.map((f) => `'${join(storeDir, f.path)}'`).join(', ');
    const duck = await DuckDBInstance.create(':memory:');
    const conn = await duck.connect();
    const direct: unknown[][] = (
      await conn.runAndReadAll(`SELECT id::VARCHAR, d::VARCHAR, b::VARCHAR, u::VARCHAR, strftime(ts, '%Y-%m-%d %H:%M:%S.%f'), base64(bin), s, day::VARCHAR FROM read_parquet([${files}]) ORDER BY id`)
    ).getRows();
    conn.closeSync();
    duck.closeSync();
    expect(direct.map((r) => r.map((v, c) => (v === null ? null : c === 4 ? ferryDateTime(String(v)) : String(v))))).toEqual(ours);
  });
});

/** RFC 4180 rows; an unquoted empty field is NULL, a quoted one the empty string. */
function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let value: string | null;
    if (text[i] === '"') {
      let j = i + 1;
      value = '';
      for (;;) {
        const q = text.indexOf('"', j);
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const m = /[,\r]/.exec(text.slice(i));
      const end = m ? i + m.index : text.length;
      value = end === i ? null : text.slice(i, end);
      i = end;
    }
    row.push(value);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    }
  }
  return rows;
}

describe('a reader while an overwrite commits', () => {
  test('a session keeps seeing the partition as it was when it began; its files stay until it ends, then go', async () => {
    expect((await ferry(['table', 'create', '--sql', 'CREATE TABLE g (id BIGINT, name STRING) PARTITIONED BY (dt STRING)'])).code).toBe(0);
    const write = async (rows: number, seed: number) => {
      const job = join(dir, `g-${seed}.json`);
      writeFileSync(
        job,
        JSON.stringify({
          reader: {
            plugin: 'generate',
            rows,
            seed,
            columns: [
              { name: 'id', type: 'bigint' },
              { name: 'name', type: 'string' },
            ],
          },
          writer: { plugin: 'table', table: 'g', partition: 'dt=20240620', writeMode: 'overwrite' },
          setting: { channel: 2 },
        }),
      );
      const r = await ferry(['run', job]);
      expect(r.code, r.stderr).toBe(0);
    };
    await write(3000, 1);
    const store = writerTable.openStore(storeDir);
    try {
      const count = async (session: import('@ferry/writer-table/sql').SqlSession) => {
        const rows: string[] = [];
        for await (const { result } of session.run("select count(*)::VARCHAR || ':' || sum(hash(name))::VARCHAR from g where dt='20240620'")) rows.push(String((await result.getRows())[0]![0]));
        return rows[0]!;
      };
      const first = await sqlSide.SqlSession.open(store, { project: 'p' });
      const before = await count(first);
      expect(before.startsWith('3000:')).toBe(true);
      const oldFiles = first.snapshot.tables.get('p.g')!.partitions[0]!.files.map((f) => f.path);
      // Another process overwrites the partition and commits while the session is open.
      await write(4500, 2);
      expect(await count(first)).toBe(before);
      const { existsSync } = await import('node:fs');
      expect(oldFiles.every((f) => existsSync(f))).toBe(true);
      const second = await sqlSide.SqlSession.open(store, { project: 'p' });
      expect((await count(second)).startsWith('4500:')).toBe(true);
      await second.close();
      await first.close();
      // The last lease that needed the old files is gone: they are deleted.
      expect(oldFiles.some((f) => existsSync(f))).toBe(false);
    } finally {
      await store.close();
    }
  });
});

describe('table head with several channels', () => {
  test('shows the rows in split order whatever channel finished first', async () => {
    expect((await ferry(['table', 'create', '--sql', 'CREATE TABLE h (id BIGINT, name STRING) PARTITIONED BY (dt STRING)'])).code).toBe(0);
    const job = join(dir, 'h.json');
    writeFileSync(
      job,
      JSON.stringify({
        reader: {
          plugin: 'generate',
          rows: 60_000,
          splitRows: 6_000,
          columns: [
            { name: 'id', type: 'bigint' },
            { name: 'name', type: 'string' },
          ],
        },
        writer: { plugin: 'table', table: 'h', partition: 'dt=20240620', fileBytes: 65536 },
        setting: { channel: 2 },
      }),
    );
    expect((await ferry(['run', job])).code).toBe(0);
    const head = await ferry(['table', 'head', 'h', '-n', '6']);
    expect(
      head.stdout
        .split('\n')
        .slice(2, 8)
        .map((l) => l.split(' | ')[0]!.trim()),
    ).toEqual(['1', '2', '3', '4', '5', '6']);
    // Past the first split's files: the order goes on by split.
    const all = await ferry(['table', 'head', 'h', '-n', '6001']);
    expect(all.stdout.trimEnd().split('\n').at(-1)!.split(' | ')[0]!.trim()).toBe('6001');
  });
});
