/**
 * `ferry bench` end to end, through the real CLI: a sweep over a `generate`
 * job, an httpfile job (a real HTTP server on port 0) and a MySQL job (the
 * real MariaDB; skipped loudly without it) gives one row per setting with
 * plausible figures and the source's baseline; `--target scratch` leaves
 * the real store exactly as it was, also when Ctrl-C stops it mid-trial.
 * Sweeps are tiny (1 round, 1-2 settings): figures are checked for sense,
 * never for speed.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, sendRange, tempDir, type CliRun } from './helpers.js';

let dir: string;
let cleanup: () => void;
/** A sweep starts several Node processes one after the other: on a busy machine that passes the default 60 s. */
const SLOW = { timeout: 180_000 };

beforeAll(() => {
  ({ dir, cleanup } = tempDir('ferry-bench-test-'));
});
afterAll(() => cleanup());

/** The --json object (the fields these tests read). */
interface Row {
  kind: string;
  channels?: number;
  splits: number;
  trials: number;
  records: number;
  bytes: number;
  recordsKnown: boolean;
  wallMs: { median: number; min: number; max: number };
  spreadPct: number;
  recordsPerSec?: number;
  mbPerSec: number;
  cpuS: number;
  mainCpuS?: number;
  workersCpuS?: number;
  peakRssBytes: number;
  dirty: number;
  vsBaseline?: number;
  method?: string;
}
interface Report {
  job: { reader: string; writer: string; target: string; destination?: string; params: string[] };
  machine: { cores: number };
  warmup: { channels: number; splits: number };
  baseline?: Row;
  settings: Row[];
  recommendation: { channels: number; reason: string; notes: string[] };
}

function writeJob(name: string, job: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(job, null, 2));
  return path;
}

function parseReport(r: CliRun): Report {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

/** Checks that each row holds figures a real run could produce. */
function expectPlausible(rows: Row[], records: number, channels: number[]): void {
  expect(rows.map((r) => r.channels)).toEqual(channels);
  for (const r of rows) {
    expect(r.kind).toBe('job');
    expect(r.records).toBe(records);
    expect(r.trials).toBe(1);
    expect(r.wallMs.median).toBeGreaterThan(0);
    expect(r.wallMs.min).toBeLessThanOrEqual(r.wallMs.median);
    expect(r.wallMs.max).toBeGreaterThanOrEqual(r.wallMs.median);
    expect(r.recordsPerSec).toBeCloseTo(records / (r.wallMs.median / 1000), 0);
    expect(r.bytes).toBeGreaterThan(0);
    expect(r.cpuS).toBeGreaterThan(0);
    // A Node process with an engine and worker threads: well above 20 MiB, well below 4 GiB.
    expect(r.peakRssBytes).toBeGreaterThan(20 * 1024 * 1024);
    expect(r.peakRssBytes).toBeLessThan(4 * 1024 * 1024 * 1024);
    expect(r.dirty).toBe(0);
    if (process.platform === 'linux') {
      expect(r.mainCpuS).toBeGreaterThan(0);
      expect(r.mainCpuS! + r.workersCpuS!).toBeCloseTo(r.cpuS, 5);
    }
  }
}

describe('ferry bench over a generate job', SLOW, () => {
  it('gives one row per setting, a recommendation among them, and a report file', async () => {
    const job = writeJob('gen.json', { reader: { plugin: 'generate', rows: 20_000 }, writer: { plugin: 'null' } });
    const html = join(dir, 'gen.html');
    const report = parseReport(await runCli(['bench', job, '--channels', '1,2', '--repeat', '1', '--json', '--report', html, '--quiet']));
    expect(report.job).toMatchObject({ reader: 'generate', writer: 'null', target: 'null' });
    expect(report.warmup.channels).toBe(2);
    expectPlausible(report.settings, 20_000, [1, 2]);
    // generate splits into about 4 per channel.
    expect(report.settings.map((r) => r.splits)).toEqual([4, 8]);
    expect(report.baseline).toBeUndefined();
    expect([1, 2]).toContain(report.recommendation.channels);
    expect(report.recommendation.reason).not.toBe('');
    expect(readFileSync(html, 'utf8')).toContain('<svg');
    // The terminal view of the same figures: a row with a bar per setting, then the recommendation.
    const { renderText } = await import('../packages/cli/dist/bench/render-text.js');
    const text = renderText(report as never);
    expect(text.split('\n').filter((l: string) => /^[12] ch\s/.test(l) && l.includes('█'))).toHaveLength(2);
    expect(text).toMatch(/^recommended: [12] channels?\. /m);
  });

  it('prints progress lines and the table on the terminal', async () => {
    const job = writeJob('gen-one.json', { reader: { plugin: 'generate', rows: 1_000 }, writer: { plugin: 'null' } });
    const r = await runCli(['bench', job, '--channels', '1', '--repeat', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^1 ch\s.*█/.test(l))).toHaveLength(1);
    expect(r.stdout).toContain('recommended: 1 channel. only 1 channel was measured.');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('bench: '))).toEqual([
      expect.stringMatching(/^bench: warm-up \(1 ch\): [\d.]+ s$/),
      expect.stringMatching(/^bench: round 1\/1 1 ch: [\d.]+ s$/),
    ]);
  });

  it('rejects a bad --channels list before running anything', async () => {
    const job = writeJob('gen-bad.json', { reader: { plugin: 'generate', rows: 10 }, writer: { plugin: 'null' } });
    const r = await runCli(['bench', job, '--channels', '1,x']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ferry: --channels 1,x: expected a comma-separated list of whole numbers from 1 to 256');
  });

  it('says which trial failed, with the exit code of the failure', async () => {
    const job = writeJob('gen-fail.json', { reader: { plugin: 'generate', rows: 10 }, writer: { plugin: 'table', table: 'nope' } });
    const r = await runCli(['bench', job, '--channels', '1', '--repeat', '1', '--target', 'scratch', '--store', join(dir, 'no-store')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--target scratch: there is no store at');
  });
});

describe('ferry bench over an httpfile job', SLOW, () => {
  let server: Server;
  const LINES = 30_000;
  const body = Buffer.from(Array.from({ length: LINES }, (_, i) => `${i},name_${i},${(i * 1.5).toFixed(1)}`).join('\n') + '\n');

  beforeAll(async () => {
    server = createServer((req, res) => sendRange(req, res, body));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  });
  afterAll(() => new Promise<void>((res) => server.close(() => res())));

  it('measures each setting and the raw read of the same URL', async () => {
    const port = (server.address() as AddressInfo).port;
    const job = writeJob('http.json', {
      reader: {
        plugin: 'httpfile',
        url: `http://127.0.0.1:${port}/data.csv`,
        splitSize: 65_536,
        columns: [
          { index: 0, type: 'bigint' },
          { index: 1, type: 'string' },
          { index: 2, type: 'double' },
        ],
      },
      writer: { plugin: 'null' },
    });
    const report = parseReport(await runCli(['bench', job, '--channels', '1,2', '--repeat', '1', '--json', '--quiet']));
    expectPlausible(report.settings, LINES, [1, 2]);
    const base = report.baseline!;
    expect(base.kind).toBe('baseline');
    expect(base.bytes).toBe(body.length);
    expect(base.recordsKnown).toBe(false);
    expect(base.method).toContain('raw bytes of 1 URL');
    for (const r of report.settings) expect(r.vsBaseline).toBeCloseTo(r.wallMs.median / base.wallMs.median, 5);
  });
});

describe('ferry bench over a local file job', SLOW, () => {
  it('compares the setting with the raw read of the same file', async () => {
    const data = join(dir, 'data.txt');
    writeFileSync(data, Array.from({ length: 5_000 }, (_, i) => `${i},x${i}`).join('\n') + '\n');
    const job = writeJob('file.json', {
      reader: {
        plugin: 'file',
        path: data,
        columns: [
          { index: 0, type: 'bigint' },
          { index: 1, type: 'string' },
        ],
      },
      writer: { plugin: 'null' },
    });
    const report = parseReport(await runCli(['bench', job, '--channels', '1', '--repeat', '1', '--json', '--quiet']));
    expectPlausible(report.settings, 5_000, [1]);
    expect(report.baseline!.bytes).toBe(statSync(data).size);
    expect(report.baseline!.method).toContain('raw bytes of 1 file');
  });
});

/** mysql2 lives with the reader; the tests borrow it from there. */
interface MysqlConn {
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
const mysql = createRequire(join(ROOT, 'packages/reader-mysql/package.json'))('mysql2/promise') as { createConnection(o: object): Promise<MysqlConn> };
let mysqlWhy: string | undefined;
try {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', connectTimeout: 2000 });
  await c.end();
} catch (err) {
  mysqlWhy = (err as Error).message;
  console.warn(`\n*** SKIPPING the MySQL bench test: MariaDB at 127.0.0.1:3306 (root, no password) is not reachable: ${mysqlWhy} ***\n`);
}

describe.skipIf(mysqlWhy !== undefined)('ferry bench over a MySQL job', SLOW, () => {
  const DB = `ferry_test_bench_${process.pid}`;
  const ROWS = 20_000;
  let conn: MysqlConn;

  beforeAll(async () => {
    conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    await conn.query(`CREATE DATABASE \`${DB}\``);
    await conn.query(`USE \`${DB}\``);
    await conn.query(`CREATE TABLE \`${DB}\`.t (id INT PRIMARY KEY, name VARCHAR(32), v DOUBLE)`);
    // MariaDB's sequence engine makes the rows server-side.
    await conn.query(`INSERT INTO \`${DB}\`.t SELECT seq, CONCAT('name_', seq), seq * 1.5 FROM seq_1_to_${ROWS}`);
  });
  afterAll(async () => {
    await conn?.query(`DROP DATABASE IF EXISTS \`${DB}\``);
    await conn?.end();
  });

  it('measures each setting and the plain read of the same rows on one connection', async () => {
    const job = writeJob('mysql.json', { reader: { plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${DB}`, table: 't' }, writer: { plugin: 'null' } });
    const report = parseReport(await runCli(['bench', job, '--channels', '1,2', '--repeat', '1', '--json', '--quiet']));
    expectPlausible(report.settings, ROWS, [1, 2]);
    const base = report.baseline!;
    expect(base.records).toBe(ROWS);
    expect(base.recordsKnown).toBe(true);
    expect(base.bytes).toBeGreaterThan(ROWS * 10);
    expect(base.method).toContain('one connection to 127.0.0.1:3306');
    expect(base.peakRssBytes).toBeGreaterThan(0);
    expect(report.settings[1]!.splits).toBeGreaterThan(1);
  });
});

describe('ferry bench --target scratch', SLOW, () => {
  let store: string;
  let genJob: string;
  const ROWS = 30_000;

  /** Everything a user could see of the store: tables, partitions (rows, bytes, files) and every file's size. */
  async function snapshot(): Promise<unknown> {
    const list = await runCli(['table', 'list', '--store', store, '--json']);
    const parts = await runCli(['table', 'partitions', 't', '--store', store, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(parts.code, parts.stderr).toBe(0);
    const files: Record<string, number> = {};
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        // The kept reports (for ferry ui) are the one thing a bench adds to the store.
        if (e.isDirectory() && p !== join(store, 'bench')) walk(p);
        else if (!e.isDirectory()) files[relative(store, p)] = statSync(p).size;
      }
    };
    walk(store);
    return { tables: JSON.parse(list.stdout), partitions: JSON.parse(parts.stdout), files };
  }

  /** Scratch folders the bench puts next to the store. */
  const scratchFolders = () => readdirSync(dirname(store)).filter((n) => n.startsWith(`${basename(store)}.bench-`));

  beforeAll(async () => {
    store = join(dir, 'store');
    const ddl = join(dir, 't.sql');
    writeFileSync(ddl, 'CREATE TABLE t (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING);');
    expect((await runCli(['table', 'create', ddl, '--store', store])).code).toBe(0);
    // The real partition the job writes: it holds data the bench must not touch.
    genJob = writeJob('to-table.json', {
      reader: { plugin: 'generate', rows: ROWS },
      writer: { plugin: 'table', table: 't', partition: 'dt=${bizdate}' },
    });
    const seeded = await runCli(['run', genJob, '--bizdate', '20240620', '--store', store]);
    expect(seeded.code, seeded.stderr).toBe(0);
  });

  it('writes through the table writer into throwaway stores and leaves the real store as it was', async () => {
    const before = await snapshot();
    const report = parseReport(await runCli(['bench', genJob, '--bizdate', '20240620', '--store', store, '--target', 'scratch', '--channels', '2', '--repeat', '1', '--json', '--quiet']));
    expect(report.job).toMatchObject({ writer: 'table', target: 'scratch', destination: 'default.t' });
    expectPlausible(report.settings, ROWS, [2]);
    expect(await snapshot()).toEqual(before);
    expect(scratchFolders()).toEqual([]);
    const kept = readdirSync(join(store, 'bench'));
    expect(kept.filter((f) => /^\d{8}T\d{6}Z-to-table(-\d+)?\.json$/.test(f)).length, kept.join(', ')).toBeGreaterThan(0);
    expect(kept.some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  /** Starts a slow scratch bench, sends SIGINT in the middle of a measured trial, and returns how it ended. */
  async function interrupt(toGroup: boolean): Promise<CliRun> {
    const slow = writeJob('slow.json', {
      reader: { plugin: 'generate', rows: 100_000 },
      writer: { plugin: 'table', table: 't', partition: 'dt=${bizdate}' },
      // About 2 s per trial: Ctrl-C lands while rows are being written.
      setting: { speed: { records: 50_000 } },
    });
    // detached: its own process group, so a group signal reaches the bench and its trial, as a terminal's Ctrl-C does.
    const child = spawn(process.execPath, [CLI, 'bench', slow, '--bizdate', '20240620', '--store', store, '--target', 'scratch', '--channels', '1', '--repeat', '2'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    const done = new Promise<CliRun>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
    await new Promise<void>((res) => {
      child.stderr.setEncoding('utf8').on('data', (d) => {
        stderr += d;
        // The warm-up is done: the first measured trial is starting.
        if (stderr.includes('bench: warm-up')) res();
      });
      child.on('close', () => res());
    });
    // Positioning only (no assertion on time): let the trial's channel stage some rows.
    await new Promise((r) => setTimeout(r, 1000));
    expect(scratchFolders()).toHaveLength(1);
    if (toGroup) process.kill(-child.pid!, 'SIGINT');
    else child.kill('SIGINT');
    return done;
  }

  it('leaves the real store as it was after Ctrl-C in the middle of a trial (SIGINT to the bench process)', async () => {
    const before = await snapshot();
    const r = await interrupt(false);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('ferry: bench stopped');
    expect(r.stdout).toBe('');
    expect(await snapshot()).toEqual(before);
    expect(scratchFolders()).toEqual([]);
  });

  it('leaves the real store as it was after Ctrl-C from a terminal (SIGINT to the whole process group)', async () => {
    const before = await snapshot();
    const r = await interrupt(true);
    expect(r.code, r.stderr).toBe(130);
    expect(await snapshot()).toEqual(before);
    expect(scratchFolders()).toEqual([]);
    expect(existsSync(store)).toBe(true);
  });
});
