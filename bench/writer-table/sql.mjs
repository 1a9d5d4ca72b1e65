// Query and export benchmark over a 5M-row partition (bigint, string, double, timestamp):
//   (a) `ferry sql "select count(*) from T where dt='20240620'"`, whole process, vs `ferry --version` (process start);
//       the table has a second partition, so the filter must prune;
//   (b) `ferry table export T --format csv -o x.csv` (whole process) vs DuckDB's own
//       `COPY (SELECT * FROM read_parquet([...])) TO 'x.csv'` of the same files, in a process of its own
//       (node + DuckDB start included, like ferry) and in-process (the COPY alone).
// The partition is written by `ferry run` (generate -> table, 2 channels) when the store writes Parquet
// files; a store that does not yet gets the same rows as Parquet files written by DuckDB (said in the output).
//   node bench/writer-table/sql.mjs     (FERRY_BENCH_SQL_ROWS=5000000, FERRY_BENCH_REPEAT=3)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../stats.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'packages/cli/bin/ferry.js');
const pkg = new URL('../../packages/writer-table/', import.meta.url);
const { openStore, partitionKey } = await import(new URL('dist/index.js', pkg).href);
// DuckDB as writer-table depends on it (the repo root does not).
const duckdbPath = createRequire(new URL('package.json', pkg)).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(duckdbPath);

/** Wall milliseconds of a child process (throws on a non-zero exit). */
function timed(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** The partition's files as the catalog lists them (absolute), or undefined when the store keeps no files. */
function catalogFiles(storeDir, spec) {
  const store = openStore(storeDir);
  try {
    const meta = store.partitions.get(partitionKey('bench', 'events', spec));
    return Array.isArray(meta?.files) ? meta.files.map((f) => join(storeDir, f.path)) : undefined;
  } finally {
    void store.close();
  }
}

/** Writes the partitions: through ferry run when the store writes Parquet, else with DuckDB (same columns and row count). */
async function setUp(dir, storeDir, rows) {
  const env = { ...process.env, FERRY_STORE: storeDir };
  execFileSync(process.execPath, [CLI, 'table', 'create', '--project', 'bench', '--sql', 'CREATE TABLE events (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING)'], {
    env,
  });
  for (const [dt, n] of [
    ['20240620', rows],
    ['20240619', Math.ceil(rows / 10)],
  ]) {
    const job = join(dir, `job-${dt}.json`);
    writeFileSync(
      job,
      JSON.stringify({
        reader: {
          plugin: 'generate',
          rows: n,
          // generate's default columns: id BIGINT, name STRING, score DOUBLE, at TIMESTAMP (the table's)
        },
        writer: { plugin: 'table', table: 'events', partition: `dt=${dt}`, writeMode: 'overwrite' },
        setting: { channel: 2 },
      }),
    );
    execFileSync(process.execPath, [CLI, 'run', job, '--project', 'bench'], { env, stdio: 'ignore' });
  }
  const files = catalogFiles(storeDir, 'dt=20240620');
  if (files?.length) return { files, writer: 'ferry run (generate -> table, 2 channels)' };
  // The store does not write Parquet yet: commit DuckDB-written files the way STORE-API.md lays them out.
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const store = openStore(storeDir);
  try {
    for (const [dt, n] of [
      ['20240620', rows],
      ['20240619', Math.ceil(rows / 10)],
    ]) {
      const spec = `dt=${dt}`;
      const folder = join('data', 'bench', 'events', spec);
      mkdirSync(join(storeDir, folder), { recursive: true });
      const entries = [];
      for (const half of [0, 1]) {
        const path = `${folder}/bench-${half}.parquet`;
        const lo = half ? Math.floor(n / 2) : 0;
        const hi = half ? n : Math.floor(n / 2);
        await conn.run(
          `COPY (SELECT i::BIGINT AS id, 'name_' || i AS name, (i % 100000) / 1000.0 AS score, make_timestamp(1704067200000000 + i * 1000000) AS at FROM range(${lo}, ${hi}) t(i)) TO '${join(storeDir, path)}' (FORMAT parquet)`,
        );
        entries.push({ path, rows: hi - lo, bytes: statSync(join(storeDir, path)).size });
      }
      const now = Date.now();
      store.env.transactionSync(() => {
        store.partitions.putSync(partitionKey('bench', 'events', spec), {
          spec,
          values: { dt },
          rows: n,
          bytes: entries.reduce((s, e) => s + e.bytes, 0),
          files: entries,
          segments: [],
          lastModified: now,
          createdAt: now,
        });
      });
    }
    await store.env.flushed;
  } finally {
    conn.closeSync();
    db.closeSync();
    await store.close();
  }
  return { files: catalogFiles(storeDir, 'dt=20240620'), writer: 'DuckDB COPY (this store does not write Parquet files yet)' };
}

export default async function run({ rows = Number(process.env.FERRY_BENCH_SQL_ROWS ?? 5_000_000), repeat = Number(process.env.FERRY_BENCH_REPEAT ?? 3) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-sql-'));
  const storeDir = join(dir, 'store');
  try {
    const setup = await setUp(dir, storeDir, rows);
    const env = { ...process.env, FERRY_STORE: storeDir };
    const list = `[${setup.files.map((f) => `'${f}'`).join(', ')}]`;
    const copyScript = join(dir, 'duckdb-copy.mjs');
    writeFileSync(copyScript, `import { DuckDBInstance } from ${JSON.stringify(duckdbPath)};\nconst c = await (await DuckDBInstance.create(':memory:')).connect();\nawait c.run(process.argv[2]);\n`);
    const baseCsv = join(dir, 'duckdb.csv');
    const ourCsv = join(dir, 'ferry.csv');
    const copySql = `COPY (SELECT * FROM read_parquet(${list})) TO '${baseCsv}' (FORMAT csv, HEADER true)`;

    const m = { version: [], count: [], exportCsv: [], duckProcess: [], duckInProcess: [] };
    let answer = '';
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    for (let i = 0; i < repeat; i++) {
      // Alternate the runs so a busy machine slows both sides alike.
      m.version.push(timed(process.execPath, [CLI, '--version']).ms);
      const c = timed(process.execPath, [CLI, 'sql', '--project', 'bench', '--format', 'csv', "select count(*) as n from events where dt='20240620'"], { env });
      m.count.push(c.ms);
      answer = c.stdout.trim().split('\r\n')[1];
      m.duckProcess.push(timed(process.execPath, [copyScript, copySql]).ms);
      rmSync(baseCsv, { force: true });
      m.exportCsv.push(timed(process.execPath, [CLI, 'table', 'export', 'events', '--project', 'bench', '--partition', 'dt=20240620', '--format', 'csv', '-o', ourCsv], { env }).ms);
      const t0 = performance.now();
      await conn.run(copySql);
      m.duckInProcess.push(performance.now() - t0);
    }
    conn.closeSync();
    db.closeSync();
    const csvBytes = statSync(ourCsv).size;
    const baseBytes = statSync(baseCsv).size;
    const r = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, median(v)]));
    const lines = [
      `rows in the partition: ${rows.toLocaleString('en-US')} in ${setup.files.length} file(s), written by ${setup.writer}; medians of ${repeat} alternating runs, whole processes unless said`,
      `ferry --version (process start)                 ${(r.version / 1000).toFixed(2)} s`,
      `ferry sql count(*) where dt='20240620'          ${(r.count / 1000).toFixed(2)} s  (answer ${answer}; target < 1 s)`,
      `ferry table export --format csv -o              ${(r.exportCsv / 1000).toFixed(2)} s  (${(csvBytes / 1e6).toFixed(0)} MB)`,
      `DuckDB COPY ... TO csv, own node process        ${(r.duckProcess / 1000).toFixed(2)} s  (${(baseBytes / 1e6).toFixed(0)} MB)  ratio ${(r.exportCsv / r.duckProcess).toFixed(2)}x (target <= 1.5x)`,
      `DuckDB COPY ... TO csv, in-process (COPY alone) ${(r.duckInProcess / 1000).toFixed(2)} s  ratio ${(r.exportCsv / r.duckInProcess).toFixed(2)}x`,
    ];
    console.log('\nferry sql and export (the machine may be shared: compare within this run)\n' + lines.join('\n'));
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/writer-table-sql.json'), JSON.stringify({ rows, repeat, writer: setup.writer, medianMs: r, runsMs: m, answer, csvBytes, baseBytes }, null, 2));
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
