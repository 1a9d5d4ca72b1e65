// Table store write benchmark: the same generated RecordBatches written
//   (a) into the store through the `table` writer (Parquet files + fsync + commit), one channel, vs
//   (b) as Arrow IPC bytes to a plain file with fs.writeFile + fsync (the baseline),
// with each Parquet compression (snappy = the default, lz4_raw, gzip, none) and file sizes
// (Arrow bytes per file: 4 = the default, 16, 64 MiB), to choose the defaults by measurement.
// Two datasets: mixed columns (bigint, string, double, timestamp) and text (access-log lines).
//   node bench/writer-table/write.mjs     (FERRY_BENCH_ROWS=2000000, FERRY_BENCH_LINES=1000000, FERRY_BENCH_REPEAT=2)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBuilders, finishBatch, validate } from '@ferry/core';

// The bench imports the built package by path (the repo root does not depend on it).
const pkg = new URL('../../packages/writer-table/', import.meta.url);
const { default: tableWriter, createTable, getTable, openChannel, openStore, tableSchema } = await import(new URL('dist/index.js', pkg).href);
const { createRequire } = await import('node:module');
const { Table, tableToIPC } = await import(
  createRequire(new URL('package.json', pkg))
    .resolve('apache-arrow')
    .replace(/Arrow\.node\.js$/, 'Arrow.node.bundle.mjs')
);
const encodeSegment = (schema, batches) => tableToIPC(new Table(schema, batches), 'stream');

const ROOT = new URL('../..', import.meta.url).pathname;
const SEGMENT_BYTES = 4 * 1024 * 1024;
const log = { info() {}, warn() {}, debug() {} };

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
const PATHS = ['/index.html', '/api/v1/users', '/static/app.js', '/img/logo.png', '/api/v1/orders?page=2'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36', 'curl/8.4.0', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)'];

/** Batches of 16k rows in the table's schema. */
function makeBatches(schema, rows, fill) {
  const batches = [];
  for (let start = 0; start < rows; start += 16384) {
    const b = createBuilders(schema);
    const end = Math.min(rows, start + 16384);
    for (let i = start; i < end; i++) fill(b, i);
    batches.push(finishBatch(schema, b));
  }
  return batches;
}

const DATASETS = {
  mixed: {
    ddl: 'CREATE TABLE bench_mixed (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING)',
    fill: (b, i) => {
      b[0].append(i + 1);
      b[1].append(`${WORDS[((i * 2654435761) % 8) >>> 0]}_${i}`);
      b[2].append(((i * 7919) % 100000) / 1000);
      b[3].append(1_704_067_200_000_000n + BigInt(i) * 1_000_000n);
    },
  },
  text: {
    ddl: 'CREATE TABLE bench_text (col STRING) PARTITIONED BY (dt STRING)',
    fill: (b, i) => {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      b[0].append(
        `${ip} - - [20/Jun/2024:${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:07 +0800] "GET ${PATHS[i % 5]} HTTP/1.1" ${i % 17 ? 200 : 404} ${1000 + (i % 9000)} "-" "${AGENTS[i % 3]}"`,
      );
    },
  },
};

/** Groups batches into segments the way the store's writer does (about SEGMENT_BYTES of Arrow data each). */
function ipcSegments(schema, batches) {
  const out = [];
  let group = [];
  let bytes = 0;
  for (const b of batches) {
    group.push(b);
    bytes += b.data.children.reduce((n, c) => n + (c.values?.byteLength ?? 0) + (c.valueOffsets?.byteLength ?? 0), 0);
    if (bytes >= SEGMENT_BYTES) {
      out.push(encodeSegment(schema, group));
      group = [];
      bytes = 0;
    }
  }
  if (group.length) out.push(encodeSegment(schema, group));
  return out;
}

async function storeWrite(storeDir, table, batches, dt, options) {
  const ctx = { log, signal: new AbortController().signal, params: {}, settings: { storeDir, project: 'bench' }, storeDir, project: 'bench', baseDir: '.', runDir: '.' };
  const cfg = validate(tableWriter.config, { table, partition: `dt=${dt}`, ...options }, 'writer');
  const t0 = performance.now();
  const schema = await tableWriter.schema(cfg, ctx);
  const handle = await tableWriter.prepare(cfg, { ...ctx, schema });
  const sink = openChannel(handle, 0);
  for (const b of batches) await sink.write(b);
  const segments = await sink.close();
  const commit = await tableWriter.commit(handle, segments, ctx);
  const ms = performance.now() - t0;
  return { ms, stored: commit.bytesWritten };
}

async function fileWrite(dir, schema, batches, n) {
  const path = join(dir, `plain-${n}.arrows`);
  const t0 = performance.now();
  // The same work minus the store: Arrow IPC serialization, then write + fsync.
  const segs = ipcSegments(schema, batches);
  let bytes = 0;
  for (const s of segs) bytes += s.byteLength;
  const fh = await open(path, 'w');
  try {
    // FileHandle.writeFile appends at the current position: one call per segment, no joined copy.
    for (const s of segs) await fh.writeFile(s);
    await fh.sync();
  } finally {
    await fh.close();
  }
  const ms = performance.now() - t0;
  rmSync(path);
  return { ms, ipcBytes: bytes };
}

const MIB = 1024 * 1024;
const MODES = [
  ['snappy-4', { compression: 'snappy', fileBytes: 4 * MIB }, 'Parquet snappy, 4 MiB files (the default)'],
  ['lz4-4', { compression: 'lz4_raw', fileBytes: 4 * MIB }, 'Parquet lz4_raw, 4 MiB files'],
  ['gzip-4', { compression: 'gzip', fileBytes: 4 * MIB }, 'Parquet gzip (level 1), 4 MiB files'],
  ['none-4', { compression: 'none', fileBytes: 4 * MIB }, 'Parquet uncompressed, 4 MiB files'],
  ['lz4-16', { compression: 'lz4_raw', fileBytes: 16 * MIB }, 'Parquet lz4_raw, 16 MiB files'],
  ['lz4-64', { compression: 'lz4_raw', fileBytes: 64 * MIB }, 'Parquet lz4_raw, 64 MiB files'],
];

export default async function run({
  rows = Number(process.env.FERRY_BENCH_ROWS ?? 2_000_000),
  lines = Number(process.env.FERRY_BENCH_LINES ?? 1_000_000),
  repeat = Number(process.env.FERRY_BENCH_REPEAT ?? 2),
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-table-'));
  const storeDir = join(dir, 'store');
  const results = [];
  try {
    const store = openStore(storeDir);
    for (const [name, ds] of Object.entries(DATASETS)) {
      await createTable(store, 'bench', ds.ddl);
      const table = `bench_${name}`;
      const schema = tableSchema(getTable(store, 'bench', table));
      const n = name === 'mixed' ? rows : lines;
      const batches = makeBatches(schema, n, ds.fill);
      const best = { file: Infinity };
      const stored = {};
      let ipcBytes = 0;
      let dt = 0;
      for (let r = 0; r < repeat; r++) {
        const f = await fileWrite(dir, schema, batches, r);
        ipcBytes = f.ipcBytes;
        best.file = Math.min(best.file, f.ms);
        for (const [mode, options] of MODES) {
          const s = await storeWrite(storeDir, table, batches, String(++dt), options);
          stored[mode] = s.stored;
          best[mode] = Math.min(best[mode] ?? Infinity, s.ms);
        }
      }
      results.push({ dataset: name, rows: n, ipcBytes, best, stored });
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const mbps = (bytes, ms) => Math.round(bytes / 1e6 / (ms / 1000));
  console.log(`\nwriter-table: write the same generated batches, Arrow IPC MB/s (best of ${repeat}; commit + fsync included)`);
  console.log('| dataset | rows | IPC MB | what | MB/s | wall | vs plain file | stored MB |');
  console.log('|---|---|---|---|---|---|---|---|');
  const runs = [];
  for (const r of results) {
    const line = (what, ms, stored) => {
      console.log(
        `| ${r.dataset} | ${r.rows.toLocaleString('en-US')} | ${(r.ipcBytes / 1e6).toFixed(0)} | ${what} | ${mbps(r.ipcBytes, ms)} | ${(ms / 1000).toFixed(2)} s | ${(r.best.file / ms).toFixed(2)}x | ${(stored / 1e6).toFixed(0)} |`,
      );
      runs.push({ dataset: r.dataset, rows: r.rows, ipcBytes: r.ipcBytes, what, ms: +ms.toFixed(1), MBps: mbps(r.ipcBytes, ms), speedVsFile: +(r.best.file / ms).toFixed(3), storedBytes: stored });
    };
    line('plain file: IPC + writeFile + fsync (baseline)', r.best.file, r.ipcBytes);
    for (const [mode, , what] of MODES) line(what, r.best[mode], r.stored[mode]);
  }
  const out = { bench: 'writer-table', repeat, runs, at: new Date().toISOString() };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/writer-table.json'), JSON.stringify(out, null, 2));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
