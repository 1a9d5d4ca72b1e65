/**
 * Dirty records name where the row is in the source: the file and the line
 * an editor shows (header and multi-line CSV records counted, byte-range
 * splits resolved), or the MySQL table and the row's key.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';
import { createDatabase, sql } from './mariadb.js';

describe('dirty records you can find', () => {
  const tmp = tempDir('ferry-dirty-');
  const store = join(tmp.dir, 'store');
  let db: ReturnType<typeof createDatabase>;
  beforeAll(async () => {
    db = createDatabase('ferry_test_dirty_');
    const ddl = await runCli(['table', 'create', '--store', store, '--sql', 'CREATE TABLE nums (id BIGINT, n INT)']);
    expect(ddl.code, ddl.stderr).toBe(0);
  });
  afterAll(() => {
    db?.drop();
    tmp.cleanup();
  });

  const runJob = async (name: string, job: object) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, JSON.stringify(job));
    const run = await runCli(['run', path, '--store', store, '--json']);
    const result = JSON.parse(run.stdout);
    const runId = result.runDir.split('/').pop();
    const show = await runCli(['dirty', 'show', runId, '--store', store, '--json']);
    expect(show.code, show.stderr).toBe(0);
    return {
      result,
      records: show.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
      runId,
    };
  };

  it('a text file read as several byte ranges: each bad value points to its line in the file', async () => {
    const lines = ['id|n'];
    const bad = new Set([2, 777, 1500, 2999]);
    for (let i = 2; i <= 3000; i++) lines.push(`${i}|${bad.has(i) ? 'oops' : i}`);
    writeFileSync(join(tmp.dir, 'nums.txt'), lines.join('\n') + '\n');
    const { result, records, runId } = await runJob('ranges.json', {
      reader: {
        plugin: 'file',
        path: 'nums.txt',
        fieldDelimiter: '|',
        skipHeader: true,
        splitSize: 2000,
        columns: [
          { index: 0, type: 'long' },
          { index: 1, type: 'long' },
        ],
      },
      writer: { plugin: 'table', table: 'nums' },
      setting: { channel: 3, errorLimit: { records: 10 } },
    });
    expect(result.splits).toBeGreaterThan(3);
    expect(records.map((r: { source: { file: string; line: number } }) => r.source).sort((a: { line: number }, b: { line: number }) => a.line - b.line)).toEqual(
      [...bad].map((i) => ({ file: join(tmp.dir, 'nums.txt'), line: i })),
    );
    for (const r of records) expect(r.record.col1).toBe('oops');
    const text = await runCli(['dirty', 'show', runId, '--store', store, '--limit', '1']);
    expect(text.stdout.trim().split('\n')).toHaveLength(1);
    expect(text.stdout).toMatch(new RegExp(`^${join(tmp.dir, 'nums.txt')}:\\d+  n: "oops"`));
  });

  it('CSV: a record after a quoted field with line breaks points to the line it starts on', async () => {
    writeFileSync(join(tmp.dir, 'multi.csv'), 'id,n\n1,"a\nb\nc"\n2,zz\n\n3,4\n4,x5\n');
    const { records } = await runJob('csv.json', {
      reader: { plugin: 'file', path: 'multi.csv', format: 'csv', skipHeader: true, columns: [{ index: 0, type: 'long' }, { index: 1 }] },
      writer: { plugin: 'table', table: 'nums' },
      setting: { errorLimit: {} },
    });
    expect(records.map((r: { source: { line: number } }) => r.source.line)).toEqual([2, 5, 8]);
  });

  it('MySQL: a dirty row names its table and primary key; the summary names the first one', async () => {
    sql('CREATE TABLE src (id INT PRIMARY KEY, n VARCHAR(10)); INSERT INTO src VALUES (1,"1"),(2,"two"),(3,"3"),(40,"forty");', db.name);
    const job = { reader: { plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'src' }, writer: { plugin: 'table', table: 'nums' }, setting: { errorLimit: {} } };
    const { records } = await runJob('mysql.json', job);
    expect(records.map((r: { source: object }) => r.source)).toEqual([
      { table: 'src', id: 2 },
      { table: 'src', id: 40 },
    ]);
    writeFileSync(join(tmp.dir, 'mysql.json'), JSON.stringify(job));
    const run = await runCli(['run', join(tmp.dir, 'mysql.json'), '--store', store, '--quiet']);
    expect(run.stdout).toMatch(new RegExp(`First dirty record +: table src id=2: n: "two"`));
  });
});
