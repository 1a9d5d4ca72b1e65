// ferry run --resume of a half-done job vs a full run: a MariaDB table of
// ROWS rows read in 8 splits (2 channels, splitFactor 4) into the table
// store. Each round times (a) a full `ferry run` (the baseline), then starts
// the same job, kills it with kill -9 once about half its splits are
// recorded as done (done.jsonl), and times (b) `ferry run --resume`, which
// reads only the other splits and commits all of them. The ratio (b)/(a) is
// compared with the share of splits the resume had left to read.
//   node bench/core/resume.mjs      (FERRY_BENCH_RESUME_ROWS=1000000, FERRY_BENCH_RESUME_REPEAT=2 rounds, best time kept)
// The table is filled once (MariaDB's seq_1_to_N) and reused while its row
// count matches; FERRY_BENCH_MYSQL_URL picks another server (default
// mysql://root@127.0.0.1:3306).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ferryRunJson } from '../ferry-run.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'packages/cli/bin/ferry.js');
const DB = 'ferry_bench';
const SPLITS = 8;

function sql(server, text) {
  const u = new URL(server);
  return execFileSync('mariadb', ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root'), '-B', '-N'], {
    input: text,
    encoding: 'utf8',
    env: { ...process.env, ...(u.password ? { MYSQL_PWD: decodeURIComponent(u.password) } : {}) },
  });
}

/** Creates (or reuses) the source table; a comment marks a complete fill. */
function ensureTable(server, rows) {
  const table = `bench_resume_${rows}`;
  const marker = `ferry bench rows=${rows}`;
  sql(server, `CREATE DATABASE IF NOT EXISTS ${DB}`);
  const found = sql(server, `SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA='${DB}' AND TABLE_NAME='${table}'`).trim();
  if (found === marker) return { table, filledMs: 0 };
  const t0 = performance.now();
  sql(
    server,
    `DROP TABLE IF EXISTS ${DB}.${table}; CREATE TABLE ${DB}.${table} (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, d DATE, s VARCHAR(64)) ENGINE=InnoDB;
    INSERT INTO ${DB}.${table} SELECT seq, (seq * 7919) % 1000003, DATE '2000-01-01' + INTERVAL (seq % 9000) DAY, CONCAT('user-', seq % 100000, '-', seq % 7) FROM ${DB}.seq_1_to_${rows};
    ALTER TABLE ${DB}.${table} COMMENT = '${marker}'`,
  );
  return { table, filledMs: performance.now() - t0 };
}

const runFolders = (store) => (existsSync(join(store, 'runs')) ? readdirSync(join(store, 'runs')) : []);

/** Starts the job and kills it with kill -9 once `half` splits are recorded as done; returns how many were. */
async function killHalfway(args, store, half) {
  const before = new Set(runFolders(store));
  const child = spawn(process.execPath, [CLI, 'run', ...args, '--quiet'], { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise((r) => child.on('exit', () => r((exited = true))));
  const done = () => {
    let n = 0;
    for (const f of runFolders(store)) {
      if (before.has(f)) continue;
      const file = join(store, 'runs', f, 'done.jsonl');
      if (existsSync(file)) n += readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    }
    return n;
  };
  while (!exited && done() < half) await new Promise((r) => setTimeout(r, 5));
  if (exited) throw new Error('the job finished before it could be killed: raise FERRY_BENCH_RESUME_ROWS');
  child.kill('SIGKILL');
  await exit;
  return done();
}

export default async function run(opts = {}) {
  const rows = opts.rows ?? Number(process.env.FERRY_BENCH_RESUME_ROWS ?? 1_000_000);
  const repeat = opts.repeat ?? Number(process.env.FERRY_BENCH_RESUME_REPEAT ?? 2);
  const url = (opts.url ?? process.env.FERRY_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');
  const { table, filledMs } = ensureTable(url, rows);
  console.log(filledMs ? `filled ${DB}.${table} (${rows} rows) in ${(filledMs / 1000).toFixed(1)} s` : `reusing ${DB}.${table} (${rows} rows)`);
  const store = mkdtempSync(join(tmpdir(), 'ferry-bench-resume-'));
  let best;
  try {
    execFileSync(process.execPath, [CLI, 'table', 'create', '--store', store, '--sql', 'CREATE TABLE bench_rows (id BIGINT, a INT, d DATE, s STRING) PARTITIONED BY (dt STRING);'], {
      encoding: 'utf8',
    });
    const job = join(store, 'job.json');
    writeFileSync(
      job,
      JSON.stringify({
        reader: { plugin: 'mysql', url: `${url}/${DB}`, table, splitFactor: SPLITS / 2 },
        writer: { plugin: 'table', table: 'bench_rows', partition: 'dt=${bizdate}' },
        setting: { channel: 2 },
      }),
    );
    // One untimed run first: the first pass pays for a cold buffer pool the others would not.
    await ferryRunJson([job, '--store', store, '--bizdate', '20240101']);
    const rounds = [];
    for (let round = 0; round < repeat; round++) {
      const full = await ferryRunJson([job, '--store', store, '--bizdate', `202402${String(round + 1).padStart(2, '0')}`]);
      if (full.result.splits !== SPLITS || full.result.recordsWritten !== rows) throw new Error(`full run: ${full.result.splits} splits, ${full.result.recordsWritten} rows`);
      const args = [job, '--store', store, '--bizdate', `202403${String(round + 1).padStart(2, '0')}`];
      const kept = await killHalfway(args, store, SPLITS / 2);
      const resumed = await ferryRunJson([...args, '--resume']);
      if (resumed.result.commit?.rowsWritten !== rows) throw new Error(`resume committed ${resumed.result.commit?.rowsWritten} rows, expected ${rows}`);
      rounds.push({
        fullMs: full.ms,
        resumeMs: resumed.ms,
        keptSplits: resumed.result.resumed.splits,
        killedAfter: kept,
        resumeRead: resumed.result.recordsRead,
        fullEngineMs: full.result.elapsedMs,
        resumeEngineMs: resumed.result.elapsedMs,
      });
    }
    best = {
      fullMs: Math.min(...rounds.map((r) => r.fullMs)),
      resumeMs: Math.min(...rounds.map((r) => r.resumeMs)),
      rounds,
    };
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
  const ratio = best.resumeMs / best.fullMs;
  const left = best.rounds.map((r) => (SPLITS - r.keptSplits) / SPLITS);
  console.log(`\nresume of a half-done job, ${rows} rows in ${SPLITS} splits (2 channels), best of ${repeat}, ${new Date().toISOString()} (busy machine: compare the ratio, not the seconds)`);
  console.log('| what | wall s | time / (a) |');
  console.log('|---|---:|---:|');
  console.log(`| (a) ferry run, full (baseline) | ${(best.fullMs / 1000).toFixed(2)} | 1.00x |`);
  console.log(`| (b) ferry run --resume after kill -9 | ${(best.resumeMs / 1000).toFixed(2)} | ${ratio.toFixed(2)}x |`);
  for (const [i, r] of best.rounds.entries()) {
    console.log(
      `round ${i + 1}: full ${(r.fullMs / 1000).toFixed(2)} s, resume ${(r.resumeMs / 1000).toFixed(2)} s (${(r.resumeMs / r.fullMs).toFixed(2)}x) with ${r.keptSplits} of ${SPLITS} splits kept (${r.resumeRead} rows read, ${(left[i] * 100).toFixed(0)}% of the splits left)`,
    );
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const out = { bench: 'core/resume', rows, splits: SPLITS, repeat, at: new Date().toISOString(), fullMs: best.fullMs, resumeMs: best.resumeMs, ratio, rounds: best.rounds };
  writeFileSync(join(ROOT, 'bench/results/resume.json'), JSON.stringify(out, null, 2));
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
