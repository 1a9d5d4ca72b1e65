/**
 * `ferry run --resume` against the real MariaDB, a real HTTP server and a
 * real store: a job killed with kill -9 (or failed: its HTTP server cut the
 * connection until the retries ran out) after about half its splits
 * finished is resumed; the resume reads only the other splits and the
 * destination then equals a clean full run. And the refusals: the job file
 * changed, the partition was written since, a querySql job.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTable, listPending, openStore } from '@ferry/writer-table';
import { CLI, exportJsonl, runCli, tempDir } from './helpers.js';
import { createDatabase, sql } from './mariadb.js';

/** Source rows; FERRY_RESUME_ROWS=5000000 for the full size. */
const ROWS = Number(process.env.FERRY_RESUME_ROWS ?? 200_000);
/** Records/s the killed job is held to, so that it is still running when half its splits are done. */
const SPEED = Math.max(10_000, Math.round(ROWS / 10));

let db: { name: string; drop: () => void };
let dir: string;
let cleanup: () => void;
const store = () => join(dir, 'store');
const storeArgs = () => ['--store', store()];

beforeAll(() => {
  db = createDatabase('ferry_test_resume_');
  sql(`CREATE TABLE src (id INT PRIMARY KEY, v VARCHAR(40), n INT); INSERT INTO src SELECT seq, CONCAT('row ', seq), seq % 997 FROM seq_1_to_${ROWS}`, db.name);
});
afterAll(() => db.drop());
beforeEach(async () => {
  ({ dir, cleanup } = tempDir('ferry-resume-'));
  const s = openStore(store());
  for (const t of ['ods', 'ods_clean']) await createTable(s, 'default', `CREATE TABLE ${t} (id BIGINT, v STRING, n INT) PARTITIONED BY (dt STRING)`);
  await s.close();
});
afterEach(() => cleanup());

function writeJob(name: string, reader: object = {}, writer: object = {}, setting: object = {}): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      reader: { plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'src', columns: ['id', 'v', 'n'], splitPk: 'id', splitFactor: 4, ...reader },
      writer: { plugin: 'table', table: 'ods', partition: 'dt=${bizdate}', ...writer },
      setting: { channel: 2, ...setting },
    }),
  );
  return path;
}

async function runJson(args: string[], code = 0) {
  const res = await runCli(['run', ...args, '--json', ...storeArgs()]);
  expect(res.code, res.stderr + res.stdout).toBe(code);
  return JSON.parse(res.stdout);
}

/** sha256 and line count of a partition's JSON Lines export. */
async function exportHash(table: string, partition: string): Promise<{ rows: number; hash: string }> {
  const s = openStore(store());
  try {
    const { rows, bytes } = await exportJsonl(s, table, partition);
    return { rows, hash: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    await s.close();
  }
}

const runFolders = () => (existsSync(join(store(), 'runs')) ? readdirSync(join(store(), 'runs')) : []);

/** Lines of done.jsonl in the run folders not in `before`. */
function doneLines(before: string[]): number {
  const runs = join(store(), 'runs');
  let n = 0;
  for (const r of runFolders().filter((f) => !before.includes(f))) {
    const f = join(runs, r, 'done.jsonl');
    if (existsSync(f)) n += readFileSync(f, 'utf8').split('\n').filter(Boolean).length;
  }
  return n;
}

/** Starts `ferry run job` and kills it with kill -9 once `after` splits are recorded as done. */
async function killAfterSplits(job: string, bizdate: string, after: number): Promise<void> {
  const before = runFolders();
  const child = spawn(process.execPath, [CLI, 'run', job, '--bizdate', bizdate, '--quiet', ...storeArgs()], { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  while (!exited && doneLines(before) < after) await new Promise((r) => setTimeout(r, 10));
  expect(exited, 'the job finished before it could be killed: lower the speed or raise FERRY_RESUME_ROWS').toBe(false);
  child.kill('SIGKILL');
  await exit;
}

async function runsList(): Promise<Array<Record<string, any>>> {
  const res = await runCli(['runs', 'list', '--json', ...storeArgs()]);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout);
}

describe('ferry run --resume of a MySQL job', () => {
  it(`killed with kill -9 after half of its 8 splits, reads only the rest and equals a clean full run (${ROWS.toLocaleString('en')} rows)`, async () => {
    const clean = await runJson([writeJob('clean.json', {}, { table: 'ods_clean' }), '--bizdate', '20240601']);
    expect(clean.splits).toBe(8);
    expect(clean.recordsWritten).toBe(ROWS);

    const job = writeJob('job.json', {}, {}, { speed: { records: SPEED } });
    await killAfterSplits(job, '20240601', 4);

    const [killed] = await runsList();
    expect(killed).toMatchObject({ status: 'killed', splitsTotal: 8, resumable: true });
    expect(killed!.splitsDone).toBeGreaterThanOrEqual(4);
    expect(killed!.splitsDone).toBeLessThan(8);
    const s = openStore(store());
    expect(listPending(s)).toHaveLength(1);
    await s.close();
    const show = await runCli(['runs', 'show', killed!.runId, ...storeArgs()]);
    expect(show.stdout).toMatch(/Status\s+: KILLED/);
    expect(show.stdout).toContain(`Splits done     : ${killed!.splitsDone} of 8`);
    expect(show.stdout).toContain(`--resume ${killed!.runId}`);

    const resumed = await runJson([job, '--bizdate', '20240601', '--resume']);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.resumed).toMatchObject({ runId: killed!.runId, splits: killed!.splitsDone, recordsRead: killed!.recordsRead });
    // Only the unfinished splits were read.
    expect(resumed.recordsRead).toBe(ROWS - killed!.recordsRead);
    expect(resumed.recordsRead).toBeLessThan(ROWS);
    expect(resumed.commit.rowsWritten).toBe(ROWS);
    expect(await exportHash('ods', 'dt=20240601')).toEqual(await exportHash('ods_clean', 'dt=20240601'));

    const after = await runsList();
    expect(after[0]).toMatchObject({ runId: resumed.runId, status: 'succeeded', splitsDone: 8, resumedFrom: killed!.runId });
    expect(after[1]).toMatchObject({ runId: killed!.runId, resumable: false, resumedBy: resumed.runId });
    const s2 = openStore(store());
    expect(listPending(s2)).toEqual([]);
    await s2.close();
    // Nothing left to resume.
    const again = await runCli(['run', job, '--bizdate', '20240601', '--resume', ...storeArgs()]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('it succeeded');
  }, 300_000);

  it('refuses when the job file changed, or the partition was written since, and says why', async () => {
    const job = writeJob('job.json', {}, {}, { speed: { records: SPEED } });
    await killAfterSplits(job, '20240602', 2);
    const [killed] = await runsList();

    // The job file changed: its kept splits would not match it.
    const text = readFileSync(job, 'utf8');
    writeFileSync(job, text.replace('"splitFactor":4', '"splitFactor":2'));
    const changed = await runCli(['run', job, '--bizdate', '20240602', '--resume', ...storeArgs()]);
    expect(changed.code, changed.stderr).toBe(2);
    expect(changed.stderr).toContain(`cannot resume run ${killed!.runId}: the job file (or a data source it names) changed since it started`);
    writeFileSync(job, text);

    // Other parameters: another partition.
    const param = await runCli(['run', job, '--bizdate', '20240603', '--resume', ...storeArgs()]);
    expect(param.code).toBe(2);
    expect(param.stderr).toContain("parameter bizdate differs from that run's");

    // The partition was written since (a run without --resume): resuming would overwrite that.
    const other = await runJson([writeJob('other.json'), '--bizdate', '20240602']);
    expect(other.status).toBe('succeeded');
    const list = await runsList();
    expect(list.find((r) => r.runId === killed!.runId)).toMatchObject({ resumable: false });
    const written = await runCli(['run', job, '--bizdate', '20240602', '--resume', killed!.runId, ...storeArgs()]);
    expect(written.code).toBe(2);
    expect(written.stderr).toMatch(/partition dt=20240602 of table default\.ods was written since the run began/);
    // Its staged files went with that commit.
    const s = openStore(store());
    expect(listPending(s)).toEqual([]);
    await s.close();
    expect(await exportHash('ods', 'dt=20240602')).toMatchObject({ rows: ROWS });
  }, 300_000);

  it('a querySql job is not kept: runs show and --resume say why', async () => {
    // The second query gives a value the INT column refuses: a dirty record over errorLimit fails the run.
    const job = writeJob(
      'query.json',
      {
        table: undefined,
        columns: undefined,
        splitPk: undefined,
        querySql: ['SELECT id, v, CAST(n AS CHAR) AS n FROM src WHERE id <= 10', "SELECT id, v, IF(id > 5, 'x', CAST(n AS CHAR)) AS n FROM src WHERE id <= 10"],
      },
      {},
      { errorLimit: { records: 0 } },
    );
    const failed = await runJson([job, '--bizdate', '20240604'], 1);
    expect(failed.status).toBe('failed');
    expect(failed.kept).toBeUndefined();
    const [run] = await runsList();
    expect(run).toMatchObject({ status: 'failed', resumable: false });
    expect(run!.reason).toContain('reader.querySql has no key');
    const res = await runCli(['run', job, '--bizdate', '20240604', '--resume', ...storeArgs()]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('reader.querySql has no key');
    const s = openStore(store());
    expect(listPending(s)).toEqual([]);
    await s.close();
  }, 120_000);
});

describe('ferry run --resume of an httpfile job', () => {
  const FILES = 8;
  const LINES = Math.max(100, Math.round(ROWS / FILES));
  const bodies = Array.from({ length: FILES }, (_, f) => Buffer.from(Array.from({ length: LINES }, (_, i) => `${f * LINES + i},line ${i} of f${f},${i % 7}\n`).join('')));
  let server: Server;
  let port: number;
  /** Files from this index on have their body cut half-way, every time. */
  let cutFrom = Infinity;
  const served: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const m = /^\/f(\d+)\.csv/.exec(req.url ?? '');
      const body = m ? bodies[Number(m[1])] : undefined;
      if (!body) return void res.writeHead(404).end();
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
      const start = range ? Number(range[1]) : 0;
      const end = range && range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      const part = body.subarray(start, end + 1);
      res.writeHead(range ? 206 : 200, { 'content-length': part.length, 'accept-ranges': 'bytes', ...(range ? { 'content-range': `bytes ${start}-${end}/${body.length}` } : {}) });
      if (part.length > 1) served.push(Number(m![1]));
      if (Number(m![1]) >= cutFrom && part.length > 1) {
        res.write(part.subarray(0, part.length >> 1));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(part);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function httpJob(name: string, table: string): string {
    const path = join(dir, name);
    // A token in the URLs: the run record leaves the splits out and a resume plans them again.
    const urls = bodies.map((_, f) => `http://127.0.0.1:${port}/f${f}.csv?token=s3cret-resume-token`);
    writeFileSync(
      path,
      JSON.stringify({
        reader: { plugin: 'httpfile', url: urls, format: 'csv', columns: [{ index: 0, type: 'long' }, { index: 1 }, { index: 2, type: 'long' }], retries: 2, retryBackoff: 10 },
        writer: { plugin: 'table', table, partition: 'dt=${bizdate}' },
        setting: { channel: 2 },
      }),
    );
    return path;
  }

  it('failed when the server cut the connection until the retries ran out; the resume reads only the other files and equals a clean run', async () => {
    cutFrom = Infinity;
    const clean = await runJson([httpJob('clean.json', 'ods_clean'), '--bizdate', '20240605']);
    expect(clean.recordsWritten).toBe(FILES * LINES);

    cutFrom = FILES / 2;
    const job = httpJob('job.json', 'ods');
    const failed = await runJson([job, '--bizdate', '20240605'], 1);
    expect(failed.error.message).toMatch(/f[4-7]\.csv/);
    expect(failed.kept.splits).toBeGreaterThanOrEqual(FILES / 2);
    expect(failed.kept.splits).toBeLessThan(FILES);
    const record = readFileSync(join(failed.runDir, 'resume.json'), 'utf8');
    expect(record).not.toContain('s3cret-resume-token');
    expect(JSON.parse(record).splits).toBeUndefined();

    cutFrom = Infinity;
    served.length = 0;
    const resumed = await runJson([job, '--bizdate', '20240605', '--resume']);
    expect(resumed.resumed).toMatchObject({ runId: failed.runId, splits: failed.kept.splits });
    expect(resumed.recordsRead).toBe((FILES - failed.kept.splits) * LINES);
    // The kept files were not fetched again.
    expect(served.filter((f) => f < failed.kept.splits)).toEqual([]);
    expect(await exportHash('ods', 'dt=20240605')).toEqual(await exportHash('ods_clean', 'dt=20240605'));
  }, 120_000);
  it('is refused once ferry table gc --resumable freed the kept files', async () => {
    cutFrom = FILES / 2;
    const job = httpJob('job.json', 'ods');
    const failed = await runJson([job, '--bizdate', '20240606'], 1);
    expect(failed.kept.splits).toBeGreaterThan(0);
    cutFrom = Infinity;
    const gc = await runCli(['table', 'gc', ...storeArgs()]);
    expect(gc.stdout).not.toContain('kept for --resume');
    const freed = await runCli(['table', 'gc', '--resumable', ...storeArgs()]);
    expect(freed.code, freed.stderr).toBe(0);
    expect(freed.stdout).toContain('freed the staged data of 1 failed run(s) kept for --resume');
    const s = openStore(store());
    expect(listPending(s)).toEqual([]);
    await s.close();
    const [run] = await runsList();
    expect(run).toMatchObject({ runId: failed.runId, resumable: false });
    expect(run!.reason).toContain('its staged files were reclaimed');
    const res = await runCli(['run', job, '--bizdate', '20240606', '--resume', ...storeArgs()]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`cannot resume the write into partition dt=20240606 of table default.ods: its staged files were reclaimed`);
  }, 120_000);
});
