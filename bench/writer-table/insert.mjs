// INSERT OVERWRITE ... SELECT benchmark over a 5M-row partition (bigint, string, double, timestamp):
//   (a) an aggregation (GROUP BY id % 100000: 100k rows out) and
//   (b) a copy of every row (5M rows out, the write path's share is largest),
// each run by ferry (runScript: the SQL session over the catalog, the cast to the target's types,
// COPY into the write's staging, fsync, the catalog commit) vs DuckDB itself running the same
// SELECT over the same committed files as `COPY (...) TO 'x.parquet'` (in the same process, no
// catalog, no cast, no fsync). Runs alternate so a busy machine slows both sides alike.
// The partition is written by `ferry run` (generate -> table, 2 channels).
//   node bench/writer-table/insert.mjs     (FERRY_BENCH_INSERT_ROWS=5000000, FERRY_BENCH_REPEAT=3)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../stats.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'packages/cli/bin/ferry.js');
const pkg = new URL('../../packages/writer-table/', import.meta.url);
const { openStore, partitionKey, listPartitions } = await import(new URL('dist/index.js', pkg).href);
const { runScript } = await import(new URL('dist/sql/index.js', pkg).href);
const duckdbPath = createRequire(new URL('package.json', pkg)).resolve('@duckdb/node-api');
const { DuckDBInstance } = await import(duckdbPath);

const CASES = {
  aggregate: {
    ddl: 'CREATE TABLE agg (k BIGINT, n BIGINT, total DOUBLE, last_name STRING) PARTITIONED BY (dt STRING)',
    select: "SELECT id % 100000, count(*), sum(score), max(name) FROM events WHERE dt = '20240620' GROUP BY 1",
    duck: (files) => `SELECT id % 100000 AS k, count(*) AS n, sum(score) AS total, max(name) AS last_name FROM read_parquet(${files}) GROUP BY 1`,
    table: 'agg',
  },
  copy: {
    ddl: 'CREATE TABLE copied (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING)',
    select: 'SELECT id, name, score, "at" FROM events WHERE dt = \'20240620\'',
    duck: (files) => `SELECT id, name, score, "at" FROM read_parquet(${files})`,
    table: 'copied',
  },
};

export default async function run({ rows = Number(process.env.FERRY_BENCH_INSERT_ROWS ?? 5_000_000), repeat = Number(process.env.FERRY_BENCH_REPEAT ?? 3) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-insert-'));
  const storeDir = join(dir, 'store');
  const env = { ...process.env, FERRY_STORE: storeDir };
  try {
    execFileSync(
      process.execPath,
      [
        CLI,
        'table',
        'create',
        '--project',
        'bench',
        '--sql',
        `CREATE TABLE events (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING); ${CASES.aggregate.ddl}; ${CASES.copy.ddl}`,
      ],
      { env },
    );
    const job = join(dir, 'job.json');
    writeFileSync(
      job,
      JSON.stringify({
        reader: {
          plugin: 'generate',
          rows,
          // generate's default columns: id BIGINT, name STRING, score DOUBLE, at TIMESTAMP (the table's)
        },
        writer: { plugin: 'table', table: 'events', partition: 'dt=20240620', writeMode: 'overwrite' },
        setting: { channel: 2 },
      }),
    );
    const t0 = performance.now();
    execFileSync(process.execPath, [CLI, 'run', job, '--project', 'bench'], { env, stdio: 'ignore' });
    const loadMs = performance.now() - t0;

    const store = openStore(storeDir);
    const files = store.partitions.get(partitionKey('bench', 'events', 'dt=20240620')).files.map((f) => join(storeDir, f.path));
    const list = `[${files.map((f) => `'${f}'`).join(', ')}]`;
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const m = {};
    const out = {};
    try {
      for (const [name, c] of Object.entries(CASES)) {
        m[name] = { ferry: [], duckdb: [] };
        const target = join(dir, `${name}.parquet`);
        for (let i = 0; i < repeat; i++) {
          let t = performance.now();
          await runScript(store, `INSERT OVERWRITE TABLE ${c.table} PARTITION (dt='20240620') ${c.select}`, { project: 'bench', write: true });
          m[name].ferry.push(performance.now() - t);
          t = performance.now();
          await conn.run(`COPY (${c.duck(list)}) TO '${target}' (FORMAT parquet, COMPRESSION snappy)`);
          m[name].duckdb.push(performance.now() - t);
        }
        const p = listPartitions(store, 'bench', c.table)[0];
        out[name] = { rows: p.rows, files: p.files.length, bytes: p.bytes, duckBytes: statSync(target).size };
      }
    } finally {
      conn.closeSync();
      db.closeSync();
      await store.close();
    }
    const r = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { ferry: median(v.ferry), duckdb: median(v.duckdb) }]));
    const lines = [
      `rows in the partition: ${rows.toLocaleString('en-US')} in ${files.length} file(s), written by ferry run (generate -> table, 2 channels) in ${(loadMs / 1000).toFixed(1)} s; medians of ${repeat} alternating runs, in-process`,
      ...Object.entries(r).map(
        ([name, x]) =>
          `INSERT OVERWRITE ${name.padEnd(9)} ferry ${(x.ferry / 1000).toFixed(2)} s  DuckDB COPY ${(x.duckdb / 1000).toFixed(2)} s  ratio ${(x.ferry / x.duckdb).toFixed(2)}x  (${out[name].rows.toLocaleString('en-US')} rows in ${out[name].files} file(s), ${(out[name].bytes / 1e6).toFixed(1)} MB; DuckDB's ${(out[name].duckBytes / 1e6).toFixed(1)} MB)`,
      ),
    ];
    console.log('\nINSERT OVERWRITE ... SELECT vs DuckDB COPY (the machine may be shared: compare within this run)\n' + lines.join('\n'));
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/writer-table-insert.json'), JSON.stringify({ rows, repeat, loadMs, medianMs: r, runsMs: m, out }, null, 2));
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
