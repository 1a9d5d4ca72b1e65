/**
 * `ferry sql` end to end: the real CLI over a real store whose committed
 * Parquet files the test makes, and the tutorial's two check queries verbatim.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTable, openStore } from '../packages/writer-table/dist/index.js';
import { commitFiles } from '../packages/writer-table/test/sql-fixture.js';
import { runCli, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
let storeDir: string;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ferry-sql-'));
  storeDir = join(dir, 'store');
  const store = openStore(storeDir);
  await createTable(
    store,
    'workshop',
    `
    CREATE TABLE ods_raw_log_d (col STRING COMMENT 'one log line') PARTITIONED BY (dt STRING) LIFECYCLE 7;
    CREATE TABLE ods_user_info_d (uid STRING, gender STRING, age_range STRING, zodiac STRING) PARTITIONED BY (dt STRING) LIFECYCLE 7;`,
  );
  await commitFiles(store, 'workshop', 'ods_raw_log_d', 'dt=20240620', [
    { select: `SELECT '58.246.10.82$$$2024-06-20 ' || i AS col FROM range(1200) t(i)` },
    { select: `SELECT 'x' AS col FROM range(34) t(i)` },
  ]);
  await commitFiles(store, 'workshop', 'ods_raw_log_d', 'dt=20240619', [{ select: `SELECT 'y' AS col FROM range(5) t(i)` }]);
  await commitFiles(store, 'workshop', 'ods_user_info_d', 'dt=20240620', [
    { select: `SELECT * FROM (VALUES ('0016359810821', '女', '30-40', '巨蟹座'), ('0016359814159', '男', '', NULL)) v(uid, gender, age_range, zodiac)` },
  ]);
  await store.close();
});

afterAll(() => cleanup());

const sql = (args: string[], input?: string) => runCli(['sql', '--store', storeDir, '--project', 'workshop', ...args], { input });

describe('ferry sql', () => {
  test("the tutorial's check queries run verbatim", async () => {
    const count = await sql(['select count(*) from ods_raw_log_d where dt=20240620;']);
    expect(count.stderr).toBe('');
    expect(count.code).toBe(0);
    expect(count.stdout).toBe('count_star()\n------------\n1234\n(1 row)\n');
    const users = await sql(['select * from ods_user_info_d where dt=20240620;']);
    expect(users.code).toBe(0);
    expect(users.stdout).toBe(
      [
        'uid           | gender | age_range | zodiac | dt',
        '--------------+--------+-----------+--------+---------',
        '0016359810821 | 女     | 30-40     | 巨蟹座 | 20240620',
        '0016359814159 | 男     |           | NULL   | 20240620',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });

  test('--format csv, jsonl and json; --limit caps the table format', async () => {
    const q = 'select uid, age_range, zodiac from ods_user_info_d order by uid';
    expect((await sql(['--format', 'csv', q])).stdout).toBe('uid,age_range,zodiac\r\n0016359810821,30-40,巨蟹座\r\n0016359814159,"",\r\n');
    expect((await sql(['--format', 'jsonl', q])).stdout).toBe('{"uid":"0016359810821","age_range":"30-40","zodiac":"巨蟹座"}\n{"uid":"0016359814159","age_range":"","zodiac":null}\n');
    expect(JSON.parse((await sql(['--format', 'json', q])).stdout)).toEqual([
      { uid: '0016359810821', age_range: '30-40', zodiac: '巨蟹座' },
      { uid: '0016359814159', age_range: '', zodiac: null },
    ]);
    const limited = await sql(['--limit', '1', q]);
    expect(limited.stdout).toMatch(/0016359810821[^\n]*\n\(2 rows, first 1 shown; --limit to show more\)\n$/);
  });

  test('--file runs a script; with no query the prompt runs each statement ending in ; until end of input', async () => {
    const file = join(dir, 'q.sql');
    writeFileSync(file, "select count(*) as n from ods_raw_log_d where dt = '20240619';\n");
    expect((await sql(['--format', 'csv', '--file', file])).stdout).toBe('n\r\n5\r\n');
    const repl = await sql(['--format', 'csv'], 'select count(*) as n\nfrom ods_raw_log_d;\nselect 2 as two;\n');
    expect(repl.code).toBe(0);
    expect(repl.stdout).toBe('n\r\n1239\r\ntwo\r\n2\r\n');
  });

  test('a wrong statement is one line with its position (exit 2); in the prompt the next statement still runs, and the exit code says one failed', async () => {
    const bad = await sql(['select nosuch from ods_raw_log_d']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('ferry: Binder Error: Referenced column "nosuch" not found in FROM clause! (line 1, column 8)\n');
    const refused = await sql(['drop view ods_raw_log_d']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^ferry: ferry sql is read-only: DROP statements are refused/);
    const repl = await sql(['--format', 'csv'], 'select x;\nselect 1 as one;\n');
    expect(repl.stdout).toBe('one\r\n1\r\n');
    expect(repl.stderr).toMatch(/^ferry: Binder Error: Referenced column "x" was not found/);
    expect(repl.code).toBe(2);
  });

  test('table head and table export read the committed files (export to stdout and to a file)', async () => {
    const table = (args: string[]) => runCli(['table', ...args, '--store', storeDir, '--project', 'workshop']);
    const head = await table(['head', 'ods_user_info_d']);
    expect(head.stdout).toBe(
      [
        'uid           | gender | age_range | zodiac | dt',
        '--------------+--------+-----------+--------+---------',
        '0016359810821 | 女     | 30-40     | 巨蟹座 | 20240620',
        '0016359814159 | 男     |           | NULL   | 20240620',
        '',
      ].join('\n'),
    );
    const csv = await table(['export', 'ods_user_info_d', '--format', 'csv']);
    expect(csv.stdout).toBe('uid,gender,age_range,zodiac,dt\r\n0016359810821,女,30-40,巨蟹座,20240620\r\n0016359814159,男,"",,20240620\r\n');
    const file = join(dir, 'users.jsonl');
    const toFile = await table(['export', 'ods_user_info_d', '-o', file]);
    expect(toFile.stderr).toBe(`exported 2 rows to ${file}\n`);
    expect(readFileSync(file, 'utf8')).toBe(
      '{"uid":"0016359810821","gender":"女","age_range":"30-40","zodiac":"巨蟹座","dt":"20240620"}\n{"uid":"0016359814159","gender":"男","age_range":"","zodiac":null,"dt":"20240620"}\n',
    );
  });
  test('--write runs INSERT OVERWRITE into a partition and prints the rows written; without --write it is refused', async () => {
    const create = 'CREATE TABLE IF NOT EXISTS log_count (lines BIGINT) PARTITIONED BY (dt STRING)';
    const insert = "INSERT OVERWRITE TABLE log_count PARTITION (dt='20240620') SELECT count(*) FROM ods_raw_log_d WHERE dt='20240620'";
    const refused = await sql([`${create}; ${insert}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/read-only: CREATE statements are refused.*--write/);
    const done = await sql(['--write', `${create}; ${insert}; SELECT * FROM log_count`]);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toBe(
      [
        'CREATE TABLE workshop.log_count: created',
        'INSERT OVERWRITE workshop.log_count partition dt=20240620: 1 row(s) written, replaced 0',
        'lines | dt',
        '------+---------',
        '1234  | 20240620',
        '(1 row)',
        '',
      ].join('\n'),
    );
    const exp = await runCli(['table', 'export', 'log_count', '--store', storeDir, '--project', 'workshop', '--format', 'jsonl']);
    expect(exp.stdout).toBe('{"lines":1234,"dt":"20240620"}\n');
  });
});
