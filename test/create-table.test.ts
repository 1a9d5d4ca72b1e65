/**
 * Creating the destination from the reader's schema (`"createTable": true`,
 * `ferry table create --from-job`): a MySQL table with every type becomes a
 * table whose export matches the source value by value; an existing table
 * that differs is an error naming the columns, and is left as it was.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';
import { createDatabase, sql } from './mariadb.js';

const COLUMNS =
  "id INT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, yr YEAR, fl FLOAT, db DOUBLE, de DECIMAL(12,3), d DATE, dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP NULL, tm TIME, ch CHAR(3), vc VARCHAR(20), tx TEXT, en ENUM('a','b'), st SET('x','y'), js JSON, bn BINARY(2), vb VARBINARY(4), bl BLOB, bt BIT(5)";
const ROWS = [
  "(1,-128,255,-32768,65535,-8388608,4294967295,-9223372036854775808,18446744073709551615,2024,1.5,2.25,-123456789.123,'2024-02-29','2024-02-29 23:59:59','2024-02-29 23:59:59.123456','2024-01-01 00:00:01','-838:59:59','abc','héllo, wörld','long\\ttext','b','x,y','{\"a\": [1, 2]}','ab','abcd','blob',b'10101')",
  "(2,127,0,32767,0,8388607,0,9223372036854775807,0,1901,-0.25,1e300,0.001,'1000-01-01','9999-12-31 23:59:59','2000-01-01 00:00:00.000001','2038-01-19 03:14:07','12:34:56','','','','a','','[]','\\0\\0','','',b'0')",
  '(3' + ',NULL'.repeat(27) + ')',
];
/** The source rendered as the store exports it: binaries in base64, BIT as a number. */
const SELECT = 'SELECT id,ti,tiu,si,siu,mi,iu,bi,biu,yr,fl,db,de,d,dt,dt6,ts,tm,ch,vc,tx,en,st,js,TO_BASE64(bn),TO_BASE64(vb),TO_BASE64(bl),bt+0 FROM every ORDER BY id';

describe('createTable from the reader schema', () => {
  const tmp = tempDir('ferry-createtable-');
  const store = join(tmp.dir, 'store');
  let db: ReturnType<typeof createDatabase>;
  const jobFile = join(tmp.dir, 'job.json');
  beforeAll(() => {
    db = createDatabase('ferry_test_ct_');
    sql(`CREATE TABLE every (${COLUMNS}); INSERT INTO every VALUES ${ROWS.join(',')};`, db.name);
    writeFileSync(
      jobFile,
      JSON.stringify({
        reader: { plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'every' },
        writer: { plugin: 'table', table: 'every_copy', partition: 'pt=${bizdate}', createTable: true },
      }),
    );
  });
  afterAll(() => {
    db?.drop();
    tmp.cleanup();
  });

  it('a MySQL table with every type: the created table exports the source values', async () => {
    const run = await runCli(['run', jobFile, '--store', store, '--bizdate', '20240101', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('created table default.every_copy (writer.createTable):\nCREATE TABLE default.every_copy (\n  id INT,\n  ti TINYINT,\n  tiu SMALLINT,');
    expect(run.stderr).toContain('  biu DECIMAL(20,0),');
    expect(run.stderr).toContain('PARTITIONED BY (pt STRING);');
    const exp = await runCli(['table', 'export', 'every_copy', '--store', store]);
    expect(exp.code, exp.stderr).toBe(0);
    // Integers past 2^53 stay text, so the comparison is exact.
    const rows = exp.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l.replace(/:(-?\d{16,})([,}])/g, ':"$1"$2')) as Record<string, unknown>);
    const source = sql(`SET time_zone = '+00:00'; ${SELECT}`, db.name)
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows).toHaveLength(source.length);
    const names = Object.keys(rows[0]!).filter((k) => k !== 'pt');
    expect(names).toHaveLength(28);
    rows.forEach((row, i) => {
      names.forEach((name, c) => {
        const want = source[i]![c]!.replace(/\\t/g, '\t').replace(/\\0/g, '\0');
        const got = row[name];
        // Numbers compare as numbers (MariaDB prints 1e300, JavaScript 1e+300).
        if (typeof got === 'number') expect(got, `row ${i + 1} column ${name}`).toBe(Number(want));
        else expect(got === null ? 'NULL' : String(got), `row ${i + 1} column ${name}`).toBe(want);
      });
    });
    // Again: the table exists and matches, nothing is printed or changed.
    const again = await runCli(['run', jobFile, '--store', store, '--bizdate', '20240102', '--quiet']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
  });

  it('an existing table that does not match is an error naming the columns, and is not altered', async () => {
    const ddl = await runCli(['table', 'create', '--store', store, '--sql', 'CREATE TABLE small_copy (id BIGINT, name STRING, extra INT) PARTITIONED BY (pt STRING)']);
    expect(ddl.code, ddl.stderr).toBe(0);
    sql('CREATE TABLE small (id INT PRIMARY KEY, name VARCHAR(10), note TEXT)', db.name);
    const job = join(tmp.dir, 'small.json');
    writeFileSync(
      job,
      JSON.stringify({ reader: { plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'small' }, writer: { plugin: 'table', table: 'small_copy', partition: 'pt=${bizdate}' } }),
    );
    const r = await runCli(['table', 'create', '--from-job', job, '--store', store]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'ferry: table default.small_copy exists and does not match the job (it is never altered): id is BIGINT in the table, INT from the reader; note (STRING from the reader) is not in the table; extra only in the table\n',
    );
    const desc = await runCli(['table', 'describe', 'small_copy', '--store', store, '--json']);
    expect(JSON.parse(desc.stdout).columns.map((c: { name: string }) => c.name)).toEqual(['id', 'name', 'extra']);
  });
});
