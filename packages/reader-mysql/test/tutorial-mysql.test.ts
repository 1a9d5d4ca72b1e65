/**
 * The tutorial's user-info sync end to end: MariaDB table ods_user_info_d
 * (uid, gender, age_range, zodiac) -> `ferry run` with the mysql reader (JDBC
 * url, password from the environment) -> store table ods_user_info_d
 * partition dt=${bizdate}; then `ferry table export` to JSON Lines. And every
 * MySQL type through the store into STRING columns: the exported text is what
 * MariaDB itself prints.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from 'mysql2/promise';
import { available, createDb, warnIfSkipped, type TestDb } from './helpers.js';

warnIfSkipped('tutorial-mysql.test.ts');

const CLI = resolve(import.meta.dirname, '../../cli/bin/ferry.js');

function ferry(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const GENDERS = ['男', '女'];
const AGES = ['20岁以下', '20-25岁', '25-30岁', '30-35岁', '35-40岁', '40岁以上'];
const ZODIACS = ['白羊座', '金牛座', '双子座', '巨蟹座', '狮子座', '处女座', '天秤座', '天蝎座', '射手座', '摩羯座', '水瓶座', '双鱼座'];
const USERS = 20_000;

/** The TUTORIAL's destination DDL, as given. */
const TUTORIAL_DDL = `CREATE TABLE IF NOT EXISTS ods_user_info_d (
 uid STRING COMMENT 'User ID',
 gender STRING COMMENT 'Gender',
 age_range STRING COMMENT 'Age range',
 zodiac STRING COMMENT 'Zodiac sign'
)
PARTITIONED BY (
 dt STRING
)
LIFECYCLE 7;`;

let db: TestDb;
let store: string;

async function runJob(name: string, reader: Record<string, unknown>, writer: Record<string, unknown>, channel: number) {
  const job = join(store, `${name}.json`);
  writeFileSync(job, JSON.stringify({ reader: { plugin: 'mysql', ...reader }, writer: { plugin: 'table', ...writer }, setting: { channel } }));
  const run = await ferry(['run', job, '--bizdate', '20240620', '--json', '--store', store], { FERRY_TEST_MYSQL_PASSWORD: '' });
  expect(run.code, run.stderr + run.stdout).toBe(0);
  return JSON.parse(run.stdout) as { status: string; recordsWritten: number; dirtyRecords: number; splits: number };
}

async function exportJsonl(table: string, partition = 'dt=20240620'): Promise<Record<string, unknown>[]> {
  const file = join(store, `${table}.jsonl`);
  const out = await ferry(['table', 'export', table, '--partition', partition, '--format', 'jsonl', '--store', store, '-o', file]);
  expect(out.code, out.stderr).toBe(0);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe.skipIf(!available)('tutorial: MySQL ods_user_info_d -> store ods_user_info_d', () => {
  beforeAll(async () => {
    db = await createDb();
    store = mkdtempSync(join(tmpdir(), 'ferry-tutorial-mysql-'));
    await db.exec(`CREATE TABLE ods_user_info_d (uid VARCHAR(32) NOT NULL PRIMARY KEY, gender VARCHAR(8), age_range VARCHAR(16), zodiac VARCHAR(16))`);
    const g = GENDERS.map((x) => `'${x}'`).join(',');
    const a = AGES.map((x) => `'${x}'`).join(',');
    const z = ZODIACS.map((x) => `'${x}'`).join(',');
    await db.exec(
      `INSERT INTO ods_user_info_d SELECT LPAD(seq * 7919, 13, '0'), IF(seq % 17 = 0, NULL, ELT(1 + seq % 2, ${g})), ELT(1 + seq % 6, ${a}), ELT(1 + seq % 12, ${z}) FROM seq_1_to_${USERS}`,
    );
    const ddl = await ferry(['table', 'create', '--store', store, '--sql', TUTORIAL_DDL]);
    expect(ddl.code, ddl.stderr).toBe(0);
  });
  afterAll(async () => {
    await db?.drop();
    if (store) rmSync(store, { recursive: true, force: true });
  });

  it('lands every user in partition dt=20240620, value for value, at 1 and 3 channels', async () => {
    const [rows] = await db.conn.query('SELECT uid, gender, age_range, zodiac FROM ods_user_info_d');
    const expected = (rows as Record<string, unknown>[]).map((r) => JSON.stringify([r.uid, r.gender, r.age_range, r.zodiac])).sort();
    for (const channel of [1, 3]) {
      const result = await runJob(
        'user-info',
        {
          url: `jdbc:mysql://127.0.0.1:3306/${db.name}?useSSL=false`,
          username: 'root',
          password: '${env:FERRY_TEST_MYSQL_PASSWORD}',
          table: 'ods_user_info_d',
          columns: ['uid', 'gender', 'age_range', 'zodiac'],
          splitPk: 'uid',
        },
        { table: 'ods_user_info_d', partition: 'dt=${bizdate}' },
        channel,
      );
      expect(result.status).toBe('succeeded');
      expect(result.recordsWritten).toBe(USERS);
      expect(result.dirtyRecords).toBe(0);
      if (channel > 1) expect(result.splits).toBeGreaterThan(channel);
      const exported = await exportJsonl('ods_user_info_d');
      expect(exported.every((r) => r.dt === '20240620')).toBe(true);
      expect(exported.map((r) => JSON.stringify([r.uid, r.gender, r.age_range, r.zodiac])).sort()).toEqual(expected);
    }
  });

  it('every MySQL type lands in STRING columns as the text MariaDB prints', async () => {
    await db.exec(`CREATE TABLE every_type (
      id INT NOT NULL PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
      i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, b1 TINYINT(1), dec1 DECIMAL(10,2), dec38 DECIMAL(38,10), dec65 DECIMAL(65,30),
      f FLOAT, d DOUBLE, dt DATE, dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME, y YEAR,
      c CHAR(10), vc VARCHAR(100), tx TEXT, e ENUM('a','Trailers'), st SET('Trailers','Deleted Scenes','Commentaries'), j JSON)`);
    await db.exec(`INSERT INTO every_type VALUES
      (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0, -99999999.99, -9999999999999999999999999999.9999999999,
        -12345678901234567890123456789012345.123456789012345678901234567890, -1.5, -2.25, '1000-01-01', '1000-01-01 00:00:00', '1000-01-01 00:00:00.000',
        '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', '-838:59:59', 1901, '', '', '', 'a', '', '[]'),
      (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 1, 2.99,
        9999999999999999999999999999.9999999999, 99999999999999999999999999999999999.999999999999999999999999999999, 0.1, 0.1,
        '2006-02-15', '2005-05-24 22:53:30', '2005-05-24 22:53:30.500', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59', 2006,
        'abc', 'héllo 😀 wörld', 'emoji 🎉🚀 中文 "q" \\\\', 'Trailers', 'Trailers,Deleted Scenes', '{"a": [1, 2.5, "x"]}'),
      (3, ${Array(29).fill('NULL').join(', ')}),
      (4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 0.00, 0.0000000001, 0.000000000000000000000000000001, 3.25, 1e100, '2024-02-29', '2024-06-20 00:00:00',
        '2024-06-20 00:00:00.001', '2024-06-20 12:00:00.000001', '2024-06-20 12:00:00.000000', '00:00:00', 2024, 'x', 'y', 'z', 'Trailers', 'Commentaries', 'null')`);
    const names = [
      'id',
      'ti',
      'tiu',
      'si',
      'siu',
      'mi',
      'miu',
      'i',
      'iu',
      'bi',
      'biu',
      'b1',
      'dec1',
      'dec38',
      'dec65',
      'f',
      'd',
      'dt',
      'dtm',
      'dtm3',
      'dtm6',
      'ts',
      'tm',
      'y',
      'c',
      'vc',
      'tx',
      'e',
      'st',
      'j',
    ];
    const ddl = await ferry(['table', 'create', '--store', store, '--sql', `CREATE TABLE every_type_s (${names.map((n) => `${n} STRING`).join(', ')}) PARTITIONED BY (ds STRING);`]);
    expect(ddl.code, ddl.stderr).toBe(0);
    const result = await runJob('every-type', { url: db.url, table: 'every_type', timezone: '+00:00' }, { table: 'every_type_s', partition: 'ds=${bizdate}' }, 2);
    expect(result.status).toBe('succeeded');
    expect(result.dirtyRecords).toBe(0);
    // What MariaDB prints, read as text in a UTC session.
    const c = await createConnection({ host: '127.0.0.1', user: 'root', database: db.name, charset: 'UTF8MB4_GENERAL_CI' });
    await c.query(`SET time_zone = '+00:00'`);
    const [printed] = await c.query({ sql: 'SELECT * FROM every_type ORDER BY id', typeCast: (field: { string(): string | null }) => field.string() } as never);
    await c.end();
    const exported = (await exportJsonl('every_type_s', 'ds=20240620')).sort((a, b) => Number(a.id) - Number(b.id));
    expect(
      exported.map((r) => {
        const { ds: _ds, ...rest } = r;
        return rest;
      }),
    ).toEqual(printed);
  });

  it('every MySQL type lands in typed store columns and exports exactly', async () => {
    await db.exec(`CREATE TABLE typed_src (id INT NOT NULL PRIMARY KEY, bi BIGINT, iu INT UNSIGNED, dec1 DECIMAL(10,2), dec38 DECIMAL(38,10), f FLOAT, d DOUBLE,
      dt DATE, dtm DATETIME(3), ts TIMESTAMP(6) NULL DEFAULT NULL, y YEAR, vc VARCHAR(50), bl BLOB, b1 TINYINT(1))`);
    await db.exec(`INSERT INTO typed_src VALUES
      (1, -9223372036854775808, 4294967295, -99999999.99, 1234567890123456789012345678.0123456789, 0.1, -2.5e-300, '1000-01-01', '2005-05-24 22:53:30.500', '1970-01-01 00:00:01.000001', 2006, 'héllo 😀', 0x00FF10, 1),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, 9223372036854775807, 0, 2.99, 0.0000000001, 3.25, 1e308, '0000-00-00', '9999-12-31 23:59:59.999', '2038-01-19 03:14:07.999999', 1901, '', X'', 0)`);
    const ddl = await ferry([
      'table',
      'create',
      '--store',
      store,
      '--sql',
      `CREATE TABLE typed_dst (id INT, bi BIGINT, iu BIGINT, dec1 DECIMAL(10,2), dec38 DECIMAL(38,10), f FLOAT, d DOUBLE,
      dt DATE, dtm DATETIME, ts TIMESTAMP, y SMALLINT, vc STRING, bl BINARY, b1 BOOLEAN) PARTITIONED BY (dt_part STRING);`,
    ]);
    expect(ddl.code, ddl.stderr).toBe(0);
    const result = await runJob('typed', { url: db.url, table: 'typed_src', tinyint1AsBoolean: true }, { table: 'typed_dst', partition: 'dt_part=${bizdate}' }, 1);
    expect(result.status).toBe('succeeded');
    expect(result.dirtyRecords).toBe(0);
    const rows = (await exportJsonl('typed_dst', 'dt_part=20240620'))
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((r) => {
        const { dt_part: _p, ...rest } = r;
        return rest;
      });
    // BIGINT extremes are exact in the file; JSON.parse would round them, so they are checked as text.
    const raw = readFileSync(join(store, 'typed_dst.jsonl'), 'utf8');
    expect(raw).toContain('"bi":-9223372036854775808,');
    expect(raw).toContain('"bi":9223372036854775807,');
    for (const r of rows) if (r.bi !== null) r.bi = 'checked as text';
    expect(rows).toEqual([
      {
        id: 1,
        bi: 'checked as text',
        iu: 4294967295,
        dec1: '-99999999.99',
        dec38: '1234567890123456789012345678.0123456789',
        f: 0.1,
        d: -2.5e-300,
        dt: '1000-01-01',
        dtm: '2005-05-24 22:53:30.500',
        ts: '1970-01-01 00:00:01.000001',
        y: 2006,
        vc: 'héllo 😀',
        bl: Buffer.from([0, 255, 16]).toString('base64'),
        b1: true,
      },
      { id: 2, bi: null, iu: null, dec1: null, dec38: null, f: null, d: null, dt: null, dtm: null, ts: null, y: null, vc: null, bl: null, b1: null },
      {
        id: 3,
        bi: 'checked as text',
        iu: 0,
        dec1: '2.99',
        dec38: '0.0000000001',
        f: 3.25,
        d: 1e308,
        dt: null,
        dtm: '9999-12-31 23:59:59.999',
        ts: '2038-01-19 03:14:07.999999',
        y: 1901,
        vc: '',
        bl: '',
        b1: false,
      },
    ]);
  });
});
