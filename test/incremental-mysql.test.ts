/**
 * Incremental sync from the real MariaDB through the real `ferry run`: the
 * high-water mark is saved with the commit, each run copies exactly the rows
 * of its cursor range, a killed run leaves the mark where it was, and
 * `ferry state` shows, sets and resets it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTable, listDataFiles, listPartitions, listStates, openStore } from '@ferry/writer-table';
import { CLI, exportJsonl, runCli, tempDir } from './helpers.js';
import { createDatabase, sql } from './mariadb.js';

let db: { name: string; drop: () => void };
let dir: string;
let cleanup: () => void;
beforeAll(() => {
  db = createDatabase('ferry_test_incr_');
});
afterAll(() => db.drop());
beforeEach(async () => {
  ({ dir, cleanup } = tempDir('ferry-incr-'));
  const store = openStore(join(dir, 'store'));
  await createTable(store, 'default', 'CREATE TABLE ods (id BIGINT, v STRING, updated_at DATETIME, s INT) PARTITIONED BY (dt STRING)');
  await store.close();
  sql('DROP TABLE IF EXISTS src; CREATE TABLE src (id INT PRIMARY KEY, v VARCHAR(40), updated_at DATETIME NOT NULL, KEY (updated_at))', db.name);
});
afterEach(() => cleanup());

const storeArgs = () => ['--store', join(dir, 'store')];

function writeJob(reader: object = {}, writer: object = {}): string {
  const path = join(dir, 'job.json');
  writeFileSync(
    path,
    JSON.stringify({
      reader: { plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'src', columns: ['id', 'v', 'updated_at'], incremental: { column: 'updated_at' }, ...reader },
      writer: { plugin: 'table', table: 'ods', partition: 'dt=${bizdate}', columns: ['id', 'v', 'updated_at'], ...writer },
      setting: { channel: 2 },
    }),
  );
  return path;
}

async function run(job: string, bizdate: string, extra: string[] = []) {
  const res = await runCli(['run', job, '--bizdate', bizdate, '--json', ...storeArgs(), ...extra]);
  expect(res.code, res.stderr + res.stdout).toBe(0);
  return JSON.parse(res.stdout);
}

/** `id \t v \t updated_at` lines of the source rows with lo < updated_at <= hi, sorted, and their hash. */
function sourceRows(lo: string | undefined, hi: string): string[] {
  const cond = `${lo ? `updated_at > '${lo}' AND ` : ''}updated_at <= '${hi}'`;
  return sql(`SELECT id, v, updated_at FROM src WHERE ${cond} ORDER BY id`, db.name).split('\n').filter(Boolean);
}

/** The same lines from a destination partition. */
async function destRows(partition: string): Promise<string[]> {
  const store = openStore(join(dir, 'store'));
  try {
    return (await exportJsonl(store, 'ods', partition)).bytes
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((r) => `${r.id}\t${r.v}\t${r.updated_at}`);
  } finally {
    await store.close();
  }
}

const hash = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');

function insert(from: number, to: number, at: (i: number) => string) {
  const values = [];
  for (let i = from; i <= to; i++) values.push(`(${i}, 'row ${i}', '${at(i)}')`);
  sql(`INSERT INTO src VALUES ${values.join(',')}`, db.name);
}
const second = (base: string, n: number) => new Date(Date.parse(`${base}Z`) + n * 1000).toISOString().slice(0, 19).replace('T', ' ');

describe('mysql incremental', () => {
  it('three runs with inserts and updates in between copy every row exactly once', async () => {
    const job = writeJob();
    insert(1, 300, (i) => second('2024-06-01 00:00:00', i));
    const r1 = await run(job, '20240601');
    expect(r1.incremental).toMatchObject({ saved: true, range: "updated_at <= '2024-06-01 00:05:00'" });
    expect(r1.recordsWritten).toBe(300);
    expect(hash(await destRows('dt=20240601'))).toBe(hash(sourceRows(undefined, '2024-06-01 00:05:00')));

    // New rows and updated rows (their cursor moves up) arrive next run; untouched rows do not.
    insert(301, 400, (i) => second('2024-06-02 00:00:00', i));
    sql("UPDATE src SET v = CONCAT(v, ' updated'), updated_at = '2024-06-02 12:00:00' WHERE id BETWEEN 10 AND 19", db.name);
    const r2 = await run(job, '20240602');
    expect(r2.incremental.range).toBe("updated_at > '2024-06-01 00:05:00' AND updated_at <= '2024-06-02 12:00:00'");
    expect(r2.recordsWritten).toBe(110);
    const d2 = await destRows('dt=20240602');
    expect(hash(d2)).toBe(hash(sourceRows('2024-06-01 00:05:00', '2024-06-02 12:00:00')));
    expect(d2.filter((l) => l.includes('updated'))).toHaveLength(10);

    // A run with nothing new reads nothing and keeps the mark.
    const r3 = await run(job, '20240603');
    expect(r3.recordsRead).toBe(0);
    expect(r3.incremental.range).toContain('no rows');

    insert(401, 450, (i) => second('2024-06-03 00:00:00', i));
    sql("UPDATE src SET updated_at = '2024-06-03 23:00:00' WHERE id = 305", db.name);
    const r4 = await run(job, '20240604');
    expect(r4.recordsWritten).toBe(51);
    expect(hash(await destRows('dt=20240604'))).toBe(hash(sourceRows('2024-06-02 12:00:00', '2024-06-03 23:00:00')));

    // Every current source row is in exactly one partition with its current version.
    const latest = new Map<string, string>();
    for (const dt of ['20240601', '20240602', '20240603', '20240604']) for (const l of await destRows(`dt=${dt}`)) latest.set(l.split('\t')[0]!, l);
    const all = sourceRows(undefined, '2099-01-01 00:00:00');
    expect(hash([...latest.values()].sort((a, b) => Number(a.split('\t')[0]) - Number(b.split('\t')[0])))).toBe(hash(all));
    const total = (await Promise.all(['20240601', '20240602', '20240604'].map((d) => destRows(`dt=${d}`)))).flat().length;
    expect(total).toBe(300 + 110 + 51);
  }, 180_000);

  it('ferry state show | list | set | reset, and run --full-refresh', async () => {
    const job = writeJob();
    insert(1, 400, (i) => second('2024-06-02 00:00:00', i));
    insert(401, 450, (i) => second('2024-06-03 00:00:00', i));
    sql("UPDATE src SET updated_at = '2024-06-03 23:00:00' WHERE id = 305", db.name);
    expect((await run(job, '20240604')).recordsWritten).toBe(450);
    const show = await runCli(['state', 'show', job, '--json', ...storeArgs()]);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      reader: 'mysql:src:updated_at',
      table: 'default.ods',
      partition: 'dt=${bizdate}',
      value: { column: 'updated_at', kind: 'datetime', value: '2024-06-03 23:00:00' },
    });
    const list = await runCli(['state', 'list', ...storeArgs()]);
    expect(list.stdout).toContain('2024-06-03 23:00:00');
    expect((await runCli(['state', 'set', job, '2024-06-03 00:07:20', ...storeArgs()])).code).toBe(0);
    const r5 = await run(job, '20240605');
    expect(r5.recordsWritten).toBe(11); // ids 441..450 and 305
    const bad = await runCli(['state', 'set', job, "x' OR 1=1 --", ...storeArgs()]);
    expect(bad.code).toBe(0);
    const r6 = await runCli(['run', job, '--bizdate', '20240606', ...storeArgs()]);
    expect(r6.code).toBe(2);
    expect(r6.stderr).toContain('saved state: "x\' OR 1=1 --" is not a date-time');
    expect((await runCli(['state', 'reset', job, ...storeArgs()])).code).toBe(0);
    const r7 = await run(job, '20240607');
    expect(r7.recordsWritten).toBe(450);
    const r8 = await run(job, '20240608', ['--full-refresh']);
    expect(r8.recordsWritten).toBe(450);
    expect(r8.incremental.range).toBe("updated_at <= '2024-06-03 23:00:00'");
  }, 180_000);

  it('string cursors go to the server as hex literals in the column collation; start and lookback narrow the range', async () => {
    sql('DROP TABLE src; CREATE TABLE src (id INT PRIMARY KEY, v VARCHAR(40), updated_at DATETIME NOT NULL, code VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci)', db.name);
    sql("INSERT INTO src VALUES (1, 'a', '2024-01-01', 'a''b'), (2, 'b', '2024-01-02', 'a\\\\c'), (3, 'c', '2024-01-03', 'b'), (4, 'd', '2024-01-04', 'B2')", db.name);
    const job = writeJob({ incremental: { column: 'code', start: "a'b" } });
    const r1 = await run(job, '20240101');
    // latin1_swedish_ci: a'b < a\c < b < B2
    expect(r1.recordsWritten).toBe(4);
    expect(r1.incremental.range).toBe("code >= 'a''b' AND code <= 'B2'");
    sql("INSERT INTO src VALUES (5, 'e', '2024-01-05', 'b3')", db.name);
    expect((await run(job, '20240102')).recordsWritten).toBe(1);

    const dates = writeJob({ incremental: { column: 'updated_at', start: '2024-01-03', lookback: 86400 } });
    const d1 = await run(dates, '20240103');
    expect(d1.recordsWritten).toBe(3);
    // lookback: one day before the mark (2024-01-05) is read again.
    const d2 = await run(dates, '20240104');
    expect(d2.recordsWritten).toBe(1);
    expect(d2.incremental.range).toBe("updated_at > '2024-01-05 00:00:00' - 86400 AND updated_at <= '2024-01-05 00:00:00'");
  }, 120_000);

  it('a run killed with kill -9 after staging, before the commit, leaves the mark; the next run copies the same rows', async () => {
    insert(1, 100, (i) => second('2024-06-01 00:00:00', i));
    const job = writeJob();
    await run(job, '20240601');
    insert(101, 260, (i) => second('2024-06-02 00:00:00', i));
    // SLEEP per row keeps the later splits reading while the first ones have staged their files.
    const slow = writeJob({ columns: ['id', 'v', 'updated_at', 'SLEEP(0.02) AS s'], splitPk: 'id', splitFactor: 4 }, { columns: ['id', 'v', 'updated_at', 's'] });
    const before = listDataFiles(join(dir, 'store')).length;
    const child = spawn(process.execPath, [CLI, 'run', slow, '--bizdate', '20240602', '--quiet', ...storeArgs()], { stdio: 'ignore' });
    let exited = false;
    const exit = new Promise<void>((r) => child.on('exit', () => ((exited = true), r())));
    while (!exited && listDataFiles(join(dir, 'store')).length === before) await new Promise((r) => setTimeout(r, 20));
    expect(exited, 'the run finished before it could be killed').toBe(false);
    child.kill('SIGKILL');
    await exit;

    const store = openStore(join(dir, 'store'));
    try {
      expect(listStates(store, 'default').map((s) => (s.value as { value: string }).value)).toEqual(['2024-06-01 00:01:40']);
      expect(listPartitions(store, 'default', 'ods').map((p) => p.spec)).toEqual(['dt=20240601']);
    } finally {
      await store.close();
    }
    const again = await run(writeJob(), '20240602');
    expect(again.recordsWritten).toBe(160);
    expect(again.incremental.range).toBe("updated_at > '2024-06-01 00:01:40' AND updated_at <= '2024-06-02 00:04:20'");
    expect(hash(await destRows('dt=20240602'))).toBe(hash(sourceRows('2024-06-01 00:01:40', '2024-06-02 00:04:20')));
  }, 120_000);

  it('refuses an incremental reader into a writer that cannot keep state', async () => {
    const path = join(dir, 'null.json');
    writeFileSync(
      path,
      JSON.stringify({ reader: { plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'src', incremental: { column: 'updated_at' } }, writer: { plugin: 'null' } }),
    );
    const res = await runCli(['run', path, ...storeArgs()]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('the null writer cannot keep its state');
  });
});

describe('incremental jobs in a backfill', () => {
  it('are refused with the reason (the saved mark belongs to the latest run, not to a past date)', async () => {
    const { runJob } = await import('@ferry/core/engine');
    const { engineOptions } = await import('../packages/cli/dist/builtin-plugins.js');
    const job = {
      reader: { plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'src', incremental: { column: 'updated_at' } },
      writer: { plugin: 'table', table: 'ods', partition: 'dt=20240101', columns: ['id', 'v', 'updated_at'] },
    };
    const res = await runJob(job, {
      ...engineOptions({ storeDir: join(dir, 'store'), project: 'default' }),
      job: 'nodes/ods.json',
      refuseState: 'a backfill of 20240101 cannot use the saved high-water mark',
      log: { info() {}, warn() {}, debug() {} },
    });
    expect(res.status).toBe('failed');
    expect(res.error?.message).toContain('reads incrementally (mysql:src:updated_at): a backfill of 20240101 cannot use the saved high-water mark');
  });
});

describe('rows written during an incremental run', () => {
  it("above the run's maximum arrive next run; at or below it are missed (the documented limit)", async () => {
    insert(1, 160, (i) => second('2024-06-01 00:00:00', i));
    const slow = writeJob({ columns: ['id', 'v', 'updated_at', 'SLEEP(0.02) AS s'], splitPk: 'id', splitFactor: 4 }, { columns: ['id', 'v', 'updated_at', 's'] });
    const before = listDataFiles(join(dir, 'store')).length;
    let out = '';
    const child = spawn(process.execPath, [CLI, 'run', slow, '--bizdate', '20240601', '--json', ...storeArgs()], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (d) => (out += d));
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Once the first split has staged its file the maximum was read: write one row above it and one below.
    while (listDataFiles(join(dir, 'store')).length === before) await new Promise((r) => setTimeout(r, 20));
    sql("INSERT INTO src VALUES (1001, 'late above', '2024-06-01 01:00:00'), (0, 'late below', '2024-06-01 00:00:30')", db.name);
    expect(await exit).toBe(0);
    const r1 = JSON.parse(out);
    expect(r1.incremental.range).toBe("updated_at <= '2024-06-01 00:02:40'");
    expect(r1.recordsWritten).toBe(160);
    expect((await destRows('dt=20240601')).some((l) => l.startsWith('1001\t') || l.startsWith('0\t'))).toBe(false);
    // Row 0 was written below the first run's maximum while its range was being read: neither run reads it.
    const r2 = await run(writeJob(), '20240602');
    expect(r2.recordsWritten).toBe(1);
    expect(await destRows('dt=20240602')).toEqual(['1001\tlate above\t2024-06-01 01:00:00']);
  }, 120_000);
});
