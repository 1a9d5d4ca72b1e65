/**
 * `ferry run --workers`: a coordinator and three `ferry worker` processes
 * (loopback, the local Redis, the real MariaDB, a real HTTP server, a real
 * store) copy a MySQL table and an HTTP log; the destination equals a run
 * on threads; kill -9 of a worker mid-split still gives every row once; a
 * records/s limit holds across the workers; a coordinator killed changes
 * nothing; an unreachable Redis fails clearly without printing its password.
 * Rows: FERRY_TEST_WORKERS_ROWS (default 300000).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, sql as mariadb } from './mariadb.js';
import { CLI, runCli, sendRange, tempDir } from './helpers.js';

const ROWS = Number(process.env.FERRY_TEST_WORKERS_ROWS) || 300_000;
const LOG_LINES = 200_000;
const DIRTY_EVERY = 500;
const REDIS = 'redis://127.0.0.1:6379/11';
/** The httpfile reader of a served log (id, path, duration; tab-separated), in splits of ~400 KB. */
const logReader = (url: string) => ({
  plugin: 'httpfile',
  url,
  fieldDelimiter: '\t',
  splitSize: 400_000,
  columns: [
    { index: 0, type: 'bigint' },
    { index: 1, type: 'string' },
    { index: 2, type: 'int' },
  ],
});
// Keys of their own (the queue, the registry): another run of this file at the same time (another checkout) sees none of them.
const PREFIX = `ferry-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const ENV = { FERRY_WORKERS_PREFIX: PREFIX };
const dropKeys = () => execFileSync('sh', ['-c', `redis-cli -n 11 --scan --pattern '${PREFIX}:*' | xargs -r redis-cli -n 11 del`], { stdio: 'pipe' });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function answers(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'pipe', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}
const haveRedis = answers('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping']);
const haveMariadb = answers('mariadb', ['-h', '127.0.0.1', '-u', 'root', '-e', 'select 1']);
const missing = [haveRedis ? '' : 'Redis at 127.0.0.1:6379 (redis-cli ping failed; start redis-server)', haveMariadb ? '' : 'MariaDB at 127.0.0.1:3306'].filter(Boolean);
if (missing.length) console.warn(`SKIPPED test/workers.test.ts: needs ${missing.join(' and ')}`);

describe.skipIf(missing.length > 0)('ferry run --workers (3 worker processes)', () => {
  let dir: string;
  let cleanup: () => void;
  let store: string;
  let db: { name: string; drop: () => void };
  let server: Server;
  let httpUrl: string;
  const workers = new Map<string, ChildProcess>();
  const ferry = (args: string[]) => runCli([...args, '--store', store], { env: ENV });

  function startWorker(name: string): ChildProcess {
    // A short lock: a killed worker's split goes to another within seconds.
    const child = spawn(process.execPath, [CLI, 'worker', '--redis', REDIS, '--concurrency', '2', '--name', name, '--work-dir', join(dir, `work-${name}`)], {
      env: { ...process.env, ...ENV, FERRY_WORKER_LOCK_MS: '4000' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code, signal) => {
      if (workers.get(name) === child && signal !== 'SIGKILL' && signal !== 'SIGTERM' && code !== 0) console.warn(`worker ${name} exited ${code}: ${err}`);
    });
    workers.set(name, child);
    return child;
  }

  async function workersStatus(): Promise<{ workers: { name: string; pid: number; running: { run: string; split: number; records: number }[] }[]; splits: Record<string, number> }> {
    const r = await runCli(['workers', '--redis', REDIS, '--json'], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  }

  async function untilWorkers(n: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await workersStatus()).workers.length >= n) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${n} workers did not register`);
  }

  /** Rows, distinct ids and an md5 over every row in id order: equal checksums, equal tables. */
  async function checksum(table: string, cols: string): Promise<string> {
    const r = await ferry(['sql', '--format', 'csv', `select count(*) as n, count(distinct id) as ids, md5(string_agg(concat_ws('|', ${cols}), chr(10) order by id)) as h from ${table}`]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim().split('\n').pop()!;
  }

  let threadsSum: string | undefined;
  const threadsChecksum = async () => (threadsSum ??= await checksum('m_threads', MYSQL_COLS));

  function job(name: string, reader: unknown, table: string, setting: Record<string, unknown> = {}): string {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ reader, writer: { plugin: 'table', table }, setting: { channel: 6, ...setting } }));
    return file;
  }

  const mysqlReader = () => ({ plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'src', splitPk: 'id', timezone: '+00:00' });
  const MYSQL_COLS = 'id, a, b, d1, s';

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('ferry-workers-'));
    store = join(dir, 'store');
    db = createDatabase('ferry_workers_');
    mariadb(
      `CREATE TABLE src (id BIGINT PRIMARY KEY, a INT NOT NULL, b INT, d1 DATE, s VARCHAR(64));
      INSERT INTO src SELECT seq, (seq * 7919) % 1000003, IF(seq % 13 = 0, NULL, seq % 977), DATE '2000-01-01' + INTERVAL (seq % 9000) DAY, CONCAT('user-', seq % 100000, '-', seq % 7) FROM seq_1_to_${ROWS};`,
      db.name,
    );
    const line = (i: number) => `${i}\t/page/${i % 997}\t${(i * 37) % 5000}`;
    const clean = Buffer.from(Array.from({ length: LOG_LINES }, (_, i) => line(i)).join('\n') + '\n');
    // Every DIRTY_EVERY-th line has a duration that is no number: a dirty record.
    const dirtyBody = Buffer.from(Array.from({ length: LOG_LINES }, (_, i) => (i % DIRTY_EVERY === 7 ? `${i}\t/bad\tx${i}` : line(i))).join('\n') + '\n');
    server = createServer((req, res) => sendRange(req, res, req.url === '/dirty.log' ? dirtyBody : clean));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    httpUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/access.log`;
    for (const t of ['m_threads', 'm_queue', 'm_kill', 'm_rate', 'm_dead', 'm_shared']) {
      const r = await ferry(['table', 'create', '--sql', `CREATE TABLE ${t} (id BIGINT, a INT, b INT, d1 DATE, s STRING)`]);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const t of ['h_threads', 'h_queue', 'h_dirty']) {
      const r = await ferry(['table', 'create', '--sql', `CREATE TABLE ${t} (id BIGINT, path STRING, ms INT)`]);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const name of ['w1', 'w2', 'w3']) startWorker(name);
    await untilWorkers(3);
  }, 240_000);

  afterAll(async () => {
    for (const child of workers.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    db?.drop();
    cleanup?.();
    if (haveRedis) dropKeys();
  });

  test('a MySQL table and an HTTP log copied by the workers equal a run on threads (export checksum)', async () => {
    const threads = await ferry(['run', job('m-threads', mysqlReader(), 'm_threads'), '--quiet', '--json']);
    expect(threads.code, threads.stderr).toBe(0);
    const queued = await ferry(['run', job('m-queue', mysqlReader(), 'm_queue'), '--quiet', '--json', '--workers', REDIS]);
    expect(queued.code, queued.stderr).toBe(0);
    const res = JSON.parse(queued.stdout);
    expect(res.recordsWritten).toBe(ROWS);
    expect(res.splits).toBeGreaterThan(3);
    const want = await threadsChecksum();
    expect(want.startsWith(`${ROWS},${ROWS},`)).toBe(true);
    expect(await checksum('m_queue', MYSQL_COLS)).toBe(want);

    const http = logReader(httpUrl);
    const ht = await ferry(['run', job('h-threads', http, 'h_threads'), '--quiet']);
    expect(ht.code, ht.stderr).toBe(0);
    const hq = await ferry(['run', job('h-queue', http, 'h_queue', { workers: REDIS }), '--quiet', '--json']);
    expect(hq.code, hq.stderr).toBe(0);
    expect(JSON.parse(hq.stdout).splits).toBeGreaterThan(3);
    const hwant = await checksum('h_threads', 'id, path, ms');
    expect(hwant.startsWith(`${LOG_LINES},${LOG_LINES},`)).toBe(true);
    expect(await checksum('h_queue', 'id, path, ms')).toBe(hwant);
    expect(readFileSync(join(res.runDir, 'run.log'), 'utf8')).toContain(`${res.splits} split(s) queued on redis://127.0.0.1:6379/11`);
  }, 240_000);

  test('kill -9 of a worker in the middle of a split: the split runs again elsewhere and every row arrives once', async () => {
    // Slowed down so splits are mid-way when the worker dies.
    const file = job('m-kill', mysqlReader(), 'm_kill', { speed: { records: Math.max(20_000, Math.round(ROWS / 8)) } });
    const run = ferry(['run', file, '--quiet', '--json', '--workers', REDIS]);
    let victim: string | undefined;
    for (let i = 0; i < 400 && !victim; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const busy = (await workersStatus()).workers.find((w) => w.running.some((s) => s.records > 0));
      if (busy) victim = busy.name;
    }
    expect(victim, 'no worker was seen running a split').toBeDefined();
    workers.get(victim!)!.kill('SIGKILL');
    const r = await run;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.recordsWritten).toBe(ROWS);
    expect(readFileSync(join(res.runDir, 'run.log'), 'utf8')).toMatch(/workers: split \d+ done on try [2-9]/);
    expect(await checksum('m_kill', MYSQL_COLS)).toBe(await threadsChecksum());
    startWorker(`${victim}b`);
    await untilWorkers(3);
  }, 240_000);

  test('a records/s limit holds across the workers (within 15%, over the whole transfer)', async () => {
    // About 15 s of transfer: well under what the workers reach unlimited, even on a loaded machine.
    const rate = Math.max(10_000, Math.round(ROWS / 15));
    const r = await ferry(['run', job('m-rate', mysqlReader(), 'm_rate', { speed: { records: rate } }), '--quiet', '--json', '--workers', REDIS]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.recordsRead).toBe(ROWS);
    // From the moment the splits were queued to the last result: the transfer, without planning and commit.
    const log = readFileSync(join(res.runDir, 'run.log'), 'utf8');
    const at = (re: RegExp) => Date.parse(re.exec(log)![1]!);
    const ms = at(/^(\S+) INFO workers: \d+ split\(s\) queued/m) - at(/^(\S+) INFO workers: all \d+ split\(s\) done/m);
    const measured = (ROWS * 1000) / -ms;
    expect(measured, `measured ${Math.round(measured)} records/s for a limit of ${rate}`).toBeLessThanOrEqual(rate * 1.15);
    expect(measured, `measured ${Math.round(measured)} records/s for a limit of ${rate}`).toBeGreaterThanOrEqual(rate * 0.85);
    // Over the whole run too (planning and commit only make it slower).
    expect((ROWS * 1000) / res.elapsedMs).toBeLessThanOrEqual(rate * 1.15);
  }, 240_000);

  test('a coordinator killed mid-run leaves the destination unchanged; the next run commits every row once and leaves no split queued', async () => {
    const file = job('m-dead', mysqlReader(), 'm_dead', { speed: { records: Math.max(20_000, Math.round(ROWS / 8)) } });
    const before = await checksum('m_dead', MYSQL_COLS);
    expect(before.startsWith('0,0,')).toBe(true);
    const child = spawn(process.execPath, [CLI, 'run', file, '--store', store, '--quiet', '--workers', REDIS], { stdio: 'ignore', env: { ...process.env, ...ENV } });
    const exited = new Promise((r) => child.on('exit', r));
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if ((await workersStatus()).workers.some((w) => w.running.some((s) => s.records > 0))) break;
    }
    child.kill('SIGKILL');
    await exited;
    expect(await checksum('m_dead', MYSQL_COLS)).toBe(before);
    const again = await ferry(['run', file, '--quiet', '--json', '--workers', REDIS]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).recordsWritten).toBe(ROWS);
    expect(await checksum('m_dead', MYSQL_COLS)).toBe(await threadsChecksum());
    const s = (await workersStatus()).splits;
    expect((s.waiting ?? 0) + (s.active ?? 0) + (s.delayed ?? 0)).toBe(0);
  }, 240_000);

  test("dirty records of every worker are counted against errorLimit and gathered in the coordinator's run folder", async () => {
    const http = logReader(httpUrl.replace('access.log', 'dirty.log'));
    const dirty = LOG_LINES / DIRTY_EVERY;
    const within = job('h-dirty', http, 'h_dirty', { workers: REDIS, errorLimit: { records: dirty * 2 } });
    const ok = await ferry(['run', within, '--quiet', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const res = JSON.parse(ok.stdout);
    expect(res.splits).toBeGreaterThan(3);
    expect(res.dirtyRecords).toBe(dirty);
    expect(res.recordsWritten).toBe(LOG_LINES - dirty);
    const lines = readFileSync(res.dirtyFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(dirty);
    expect(new Set(lines.map((l) => JSON.stringify(l.record))).size).toBe(dirty);
    const before = await checksum('h_dirty', 'id, path, ms');
    // Past the limit, counted across the workers: the run fails and the partition is as it was.
    const over = job('h-dirty-over', http, 'h_dirty', { workers: REDIS, errorLimit: { records: Math.floor(dirty / 4) } });
    const bad = await ferry(['run', over, '--quiet']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`dirty records passed the limit of ${Math.floor(dirty / 4)} (errorLimit.records)`);
    expect(await checksum('h_dirty', 'id, path, ms')).toBe(before);
  }, 240_000);

  test('a workflow node whose job says setting.workers runs its splits on the workers (the URL from the environment)', async () => {
    const ws = join(dir, 'ws');
    mkdirSync(join(ws, 'jobs'), { recursive: true });
    writeFileSync(join(ws, 'ferry.yaml'), 'name: q\ntimezone: UTC\nenvironments:\n  dev: { project: qp }\nworkflows:\n  Q:\n    nodes:\n      load: { type: sync, job: jobs/q.json }\n');
    writeFileSync(
      join(ws, 'jobs/q.json'),
      JSON.stringify({
        reader: {
          plugin: 'generate',
          rows: 50_000,
          splitRows: 10_000,
          columns: [
            { name: 'id', type: 'bigint' },
            { name: 's', type: 'string' },
          ],
        },
        writer: { plugin: 'table', table: 't', partition: 'dt=${bizdate}' },
        setting: { channel: 2, workers: '${env:FERRY_TEST_REDIS}' },
      }),
    );
    const env = { ...ENV, FERRY_TEST_REDIS: REDIS };
    expect((await runCli(['table', 'create', '--sql', 'CREATE TABLE t (id BIGINT, s STRING) PARTITIONED BY (dt STRING)'], { cwd: ws, env })).code).toBe(0);
    const done = async () => (await workersStatus()).workers.reduce((n, w) => n + (w as { splitsDone?: number }).splitsDone!, 0);
    // The registry lags up to 2 s behind, and splits of an earlier test's failed run may still be
    // finishing on the workers: start counting once the figure has held still for longer than that.
    let before = await done();
    for (let i = 0; i < 20; i++) {
      await new Promise((res) => setTimeout(res, 2500));
      const now = await done();
      if (now === before) break;
      before = now;
    }
    const r = await runCli(['workflow', 'run', 'Q', '--bizdate', '20240620'], { cwd: ws, env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await runCli(['table', 'count', 't'], { cwd: ws, env })).stdout).toBe('50000\n');
    // Registry figures lag up to 2 s behind.
    let after = await done();
    for (let i = 0; i < 40 && after - before < 5; i++) {
      await new Promise((res) => setTimeout(res, 250));
      after = await done();
    }
    expect(after - before).toBe(5);
  }, 240_000);

  test('an unreachable Redis fails the run clearly, changes nothing and never prints its password', async () => {
    const before = await checksum('m_queue', MYSQL_COLS);
    const r = await ferry(['run', job('m-noredis', mysqlReader(), 'm_queue'), '--quiet', '--workers', 'redis://:Zq9-secret-pw@127.0.0.1:1/0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach Redis at redis://:***@127.0.0.1:1/0');
    expect(r.stderr + r.stdout).not.toContain('Zq9-secret-pw');
    expect(await checksum('m_queue', MYSQL_COLS)).toBe(before);
    const w = await runCli(['workers', '--redis', 'redis://:Zq9-secret-pw@127.0.0.1:1']);
    expect(w.code).toBe(1);
    expect(w.stderr + w.stdout).not.toContain('Zq9-secret-pw');
  }, 120_000);

  test('Redis going away in the middle of a run fails it clearly and leaves the destination unchanged', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const worker = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--concurrency', '2', '--name', 'lone', '--work-dir', join(dir, 'work-lone')], {
      stdio: 'ignore',
      env: { ...process.env, ...ENV },
    });
    try {
      const cli = (...args: string[]) => {
        try {
          return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', stdio: 'pipe' }).trim();
        } catch {
          return '';
        }
      };
      for (let i = 0; i < 200 && cli('exists', `${PREFIX}:worker:lone`) !== '1'; i++) await new Promise((r) => setTimeout(r, 100));
      const before = await checksum('m_queue', MYSQL_COLS);
      const file = job('m-redis-gone', mysqlReader(), 'm_queue', { speed: { records: Math.max(20_000, Math.round(ROWS / 10)) } });
      const run = ferry(['run', file, '--quiet', '--workers', url]);
      // Once rows move, Redis goes.
      for (let i = 0; i < 300; i++) {
        await new Promise((r) => setTimeout(r, 100));
        if (Number(cli('hget', `${PREFIX}:worker:lone`, 'recordsRead')) > 0) break;
      }
      redis.kill('SIGKILL');
      const r = await run;
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`ferry: job failed: .*Redis (\\(the worker queue\\) )?at redis://127\\.0\\.0\\.1:${port}`));
      expect(await checksum('m_queue', MYSQL_COLS)).toBe(before);
    } finally {
      redis.kill('SIGKILL');
      worker.kill('SIGKILL');
    }
  }, 240_000);

  test('a worker given --shared-store writes the files into the store in place, nothing is uploaded', async () => {
    for (const [name, child] of workers) {
      child.kill('SIGKILL');
      workers.delete(name);
    }
    execFileSync('redis-cli', ['-n', '11', 'del', ...['w1', 'w2', 'w3', 'w1b', 'w2b', 'w3b'].map((w) => `${PREFIX}:worker:${w}`)], { stdio: 'pipe' });
    const child = spawn(process.execPath, [CLI, 'worker', '--redis', REDIS, '--concurrency', '3', '--name', 'shared', '--shared-store', store], { stdio: 'ignore', env: { ...process.env, ...ENV } });
    workers.set('shared', child);
    await untilWorkers(1);
    const r = await ferry(['run', job('m-shared', mysqlReader(), 'm_shared'), '--quiet', '--json', '--workers', REDIS]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(readFileSync(join(res.runDir, 'run.log'), 'utf8')).toContain(`; 0 file(s) uploaded, ${res.commit.filesWritten} written in place (--shared-store)`);
    expect(await checksum('m_shared', MYSQL_COLS)).toBe(await threadsChecksum());
  }, 240_000);
});
