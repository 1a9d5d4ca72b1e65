// mysql end to end: a MariaDB table of ROWS rows (bigint id, two ints, two
// dates, a short varchar), read by (a) `mariadb --quick -B -e "select * ..."
// > /dev/null` (the baseline), (b) a plain mysql2 stream that only counts rows,
// (c) the mysql reader alone (schema + split + read in this process, counting
// rows), (d) `ferry run` into the table store (committed) at 1, 2 and 4
// channels. Rows/s and time ratios to (a), in one run.
//   node bench/reader-mysql/e2e.mjs      (FERRY_BENCH_MYSQL_ROWS=5000000, FERRY_BENCH_MYSQL_REPEAT=3 rounds, medians)
// The table is filled once (MariaDB's seq_1_to_N) and reused while its row
// count matches; FERRY_BENCH_MYSQL_URL picks another server (default
// mysql://root@127.0.0.1:3306).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ferryRunJson } from '../ferry-run.mjs';
import { roundSamples } from '../stats.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const PKG = join(ROOT, 'packages/reader-mysql');
const requirePkg = createRequire(join(PKG, 'package.json'));
const mysql = requirePkg('mysql2');
const { validate } = await import(pathToFileURL(requirePkg.resolve('@ferry/core')).href);
const plugin = (await import(pathToFileURL(join(PKG, 'dist/index.js')).href)).default;
const CLI = join(ROOT, 'packages/cli/bin/ferry.js');
const DB = 'ferry_bench';

function serverOf(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) };
}

function q(conn, sql) {
  return new Promise((res, rej) => conn.query(sql, (err, rows) => (err ? rej(err) : res(rows))));
}

/** Creates (or reuses) the table; a comment marks a complete fill. */
async function ensureTable(server, rows) {
  const table = `bench_e2e_${rows}`;
  const conn = mysql.createConnection({ ...server, charset: 'UTF8MB4_GENERAL_CI' });
  try {
    await q(conn, `CREATE DATABASE IF NOT EXISTS ${DB}`);
    const marker = `ferry bench rows=${rows}`;
    const found = await q(conn, `SELECT TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA='${DB}' AND TABLE_NAME='${table}'`);
    if (found[0]?.c === marker) return { table, filledMs: 0 };
    const t0 = performance.now();
    await q(conn, `DROP TABLE IF EXISTS ${DB}.${table}`);
    await q(conn, `CREATE TABLE ${DB}.${table} (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, b INT, d1 DATE, d2 DATE, s VARCHAR(64)) ENGINE=InnoDB`);
    // seq_1_to_N is MariaDB's SEQUENCE engine: one INSERT ... SELECT fills millions of rows in seconds.
    await q(
      conn,
      `INSERT INTO ${DB}.${table} SELECT seq, (seq * 7919) % 1000003, seq % 977, DATE '2000-01-01' + INTERVAL (seq % 9000) DAY, DATE '2020-01-01' + INTERVAL (seq % 365) DAY, CONCAT('user-', seq % 100000, '-', seq % 7) FROM ${DB}.seq_1_to_${rows}`,
    );
    await q(conn, `ALTER TABLE ${DB}.${table} COMMENT = '${marker}'`);
    return { table, filledMs: performance.now() - t0 };
  } finally {
    conn.end();
  }
}

function mariadbClient() {
  for (const bin of ['mariadb', 'mysql']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'pipe' });
      return bin;
    } catch {
      // try the next name
    }
  }
  return undefined;
}

/** (a) the C client, output to /dev/null. */
function clientRead(bin, server, table) {
  return new Promise((res, rej) => {
    const devnull = openSync('/dev/null', 'w');
    const args = ['-h', server.host, '-P', String(server.port), '-u', server.user, '--quick', '-B', '-e', `select * from ${DB}.${table}`];
    const env = { ...process.env, ...(server.password ? { MYSQL_PWD: server.password } : {}) };
    const t0 = performance.now();
    const child = spawn(bin, args, { stdio: ['ignore', devnull, 'inherit'], env });
    child.on('error', rej);
    child.on('close', (code) => {
      closeSync(devnull);
      if (code !== 0) rej(new Error(`${bin} exited ${code}`));
      else res({ ms: performance.now() - t0 });
    });
  });
}

/** (b) mysql2 streaming with rowsAsArray, counting rows and nothing else (dates as strings: no Date objects). */
function mysql2Count(server, table) {
  return new Promise((res, rej) => {
    const conn = mysql.createConnection({ ...server, charset: 'UTF8MB4_GENERAL_CI', dateStrings: true, supportBigNumbers: true });
    const t0 = performance.now();
    let rows = 0;
    conn
      .query({ sql: `select * from ${DB}.${table}`, rowsAsArray: true })
      .stream()
      .on('data', () => rows++)
      .on('error', rej)
      .on('end', () => {
        conn.end();
        res({ rows, ms: performance.now() - t0 });
      });
  });
}

/** (c) the reader alone: validate, schema, split (one channel), read; heap sampled per batch. */
async function readerAlone(url, table) {
  const config = validate(plugin.config, { url: `${url}/${DB}`, table }, 'reader');
  const log = { info() {}, warn: console.warn, debug() {} };
  const signal = new AbortController().signal;
  const ctx = { log, signal, params: {}, storeDir: '', project: '', baseDir: process.cwd(), runDir: '' };
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  let heapPeak = heap0;
  let rssPeak = rss0;
  const t0 = performance.now();
  const schema = await plugin.schema(config, ctx);
  const splits = await plugin.split(config, { ...ctx, advice: 1 });
  let rows = 0;
  let batches = 0;
  for (const split of splits) {
    for await (const b of plugin.read(split, { ...ctx, splitIndex: 0, count() {}, config, schema })) {
      rows += b.numRows;
      if (++batches % 8 === 0) {
        const m = process.memoryUsage();
        heapPeak = Math.max(heapPeak, m.heapUsed);
        rssPeak = Math.max(rssPeak, m.rss);
      }
    }
  }
  return { rows, batches, ms: performance.now() - t0, heapGrowthMb: (heapPeak - heap0) / 1e6, rssGrowthMb: (rssPeak - rss0) / 1e6 };
}

/** (d) `ferry run` as a child process, committed into a fresh store. */
async function ferryRun(jobFile, storeDir) {
  const { ms, result } = await ferryRunJson([jobFile, '--store', storeDir, '--bizdate', '20240620']);
  return { rows: result.recordsWritten, ms, engineMs: result.elapsedMs };
}

export default async function run(opts = {}) {
  const rows = opts.rows ?? Number(process.env.FERRY_BENCH_MYSQL_ROWS ?? 5_000_000);
  const channels = opts.channels ?? [1, 2, 4];
  const url = (opts.url ?? process.env.FERRY_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');
  const server = serverOf(url);
  const { table, filledMs } = await ensureTable(server, rows);
  console.log(filledMs ? `filled ${DB}.${table} (${rows} rows) in ${(filledMs / 1000).toFixed(1)} s` : `reusing ${DB}.${table} (${rows} rows)`);
  const repeat = opts.repeat ?? Number(process.env.FERRY_BENCH_MYSQL_REPEAT ?? 3);
  const note = [];
  const bin = mariadbClient();
  if (!bin) note.push('(a) skipped: no mariadb/mysql client on PATH; ratios are to (b)');
  const store = mkdtempSync(join(tmpdir(), 'ferry-bench-mysql-'));
  // Rounds run every variant in turn; each reports its median: the machine is shared,
  // and a load spike should not land on one variant only.
  const samples = roundSamples();
  const keep = (what, r) => samples.add(what, r);
  try {
    const ddl = execFileSync(
      process.execPath,
      [CLI, 'table', 'create', '--store', store, '--sql', 'CREATE TABLE bench_rows (id BIGINT, a INT, b INT, d1 DATE, d2 DATE, s STRING) PARTITIONED BY (dt STRING);'],
      { encoding: 'utf8' },
    );
    if (!/created/i.test(ddl)) throw new Error(`table create: ${ddl}`);
    for (const channel of channels) {
      writeFileSync(
        join(store, `job-${channel}.json`),
        JSON.stringify({
          reader: { plugin: 'mysql', url: `${url}/${DB}`, table },
          writer: { plugin: 'table', table: 'bench_rows', partition: 'dt=${bizdate}' },
          setting: { channel },
        }),
      );
    }
    // One untimed pass first, so (a) does not pay for a cold cache that the later runs would not.
    if (bin) await clientRead(bin, server, table);
    else await mysql2Count(server, table);
    for (let round = 0; round < repeat; round++) {
      if (bin) keep(`(a) ${bin} --quick -B > /dev/null`, { rows, ...(await clientRead(bin, server, table)) });
      keep('(b) mysql2 stream, count rows', await mysql2Count(server, table));
      keep('(c) mysql reader alone (1 split)', await readerAlone(url, table));
      for (const channel of channels) keep(`(d) ferry run -> store, ${channel} channel${channel > 1 ? 's' : ''}`, await ferryRun(join(store, `job-${channel}.json`), store));
    }
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
  const results = samples.medians();
  const base = results[0].ms;
  for (const r of results) {
    if (r.rows !== rows) throw new Error(`${r.what}: read ${r.rows} rows, expected ${rows}`);
    r.rowsPerSec = Math.round((rows / r.ms) * 1000);
    r.ratio = r.ms / base;
  }
  console.log(`\nmysql e2e, ${rows} rows (bigint, int, int, date, date, varchar), medians of ${repeat} interleaved rounds, ${new Date().toISOString()}`);
  console.log('| what | wall s (median) | all runs s | rows/s | time / (a) | engine s (run summary, no process start) |');
  console.log('|---|---:|---|---:|---:|---:|');
  for (const r of results)
    console.log(
      `| ${r.what} | ${(r.ms / 1000).toFixed(2)} | ${r.runsMs.map((ms) => (ms / 1000).toFixed(2)).join(' ')} | ${r.rowsPerSec.toLocaleString('en-US')} | ${r.ratio.toFixed(2)}x | ${r.engineMs ? (r.engineMs / 1000).toFixed(2) : ''} |`,
    );
  const reader = results.find((r) => r.what.startsWith('(c)'));
  console.log(
    `\nreader alone: ${reader.batches} batches; heap grew at most ${reader.heapGrowthMb.toFixed(1)} MB and RSS ${reader.rssGrowthMb.toFixed(1)} MB over the start (flat: one batch in hand, at most one ahead)`,
  );
  const two = results.find((r) => r.what.includes(', 2 channels'));
  // The open-store issue's target for MySQL -> store at 2 channels.
  if (two && bin) console.log(`aim: ferry -> store at 2 channels <= 1.25x the ${bin} client: ${two.ratio.toFixed(2)}x ${two.ratio <= 1.25 ? 'MET' : 'NOT MET'}`);
  for (const n of note) console.log(n);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const out = { bench: 'reader-mysql/e2e', rows, repeat, at: new Date().toISOString(), results, notes: note };
  writeFileSync(join(ROOT, 'bench/results/reader-mysql.json'), JSON.stringify(out, null, 2));
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
