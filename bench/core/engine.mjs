// Engine benchmark: generate -> null through the whole engine at 1, 2 and 4
// channels, against the bare generator in one thread with no engine (the
// baseline), plus tinybench figures for the hot paths.
//   node bench/core/engine.mjs            (FERRY_BENCH_ROWS=5000000 by default)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { ferrySchema, createBuilders, finishBatch } from '@ferry/core';
import { runJob, createConverter, planConvert } from '@ferry/core/engine';
import { generateReader, Counters, createSharedState, SharedRateLimiter, C } from '@ferry/core/internal';

const ROOT = new URL('../..', import.meta.url).pathname;

async function bareGenerator(rows) {
  const config = {
    rows,
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'string' },
      { name: 'score', type: 'double' },
      { name: 'at', type: 'timestamp' },
    ],
    seed: 1,
    batchRows: 16384,
    nullEvery: 0,
  };
  const schema = generateReader.schema(config);
  const t0 = performance.now();
  let n = 0;
  for await (const b of generateReader.read({ start: 0, end: rows }, { config, schema, signal: new AbortController().signal })) n += b.numRows;
  return { rows: n, ms: performance.now() - t0 };
}

async function engineRun(rows, channel, storeDir) {
  const t0 = performance.now();
  const r = await runJob({ reader: { plugin: 'generate', rows }, writer: { plugin: 'null' }, setting: { channel } }, { runsDir: join(storeDir, 'runs') });
  if (r.status !== 'succeeded') throw new Error(r.error?.message);
  return { rows: r.recordsWritten, ms: performance.now() - t0 };
}

async function hotPaths() {
  const bench = new Bench({ time: 400 });
  const schema = ferrySchema([
    { name: 'id', type: 'bigint' },
    { name: 'name', type: 'string' },
    { name: 'score', type: 'double' },
  ]);
  const text = ferrySchema([{ name: 'id', type: 'string' }]);
  const builders = createBuilders(text);
  for (let i = 0; i < 16384; i++) builders[0].append(String(i * 7919));
  const textBatch = finishBatch(text, builders);
  const toBigint = createConverter(planConvert(text, ferrySchema([{ name: 'id', type: 'bigint' }])), text, ferrySchema([{ name: 'id', type: 'bigint' }]));
  const passThrough = createConverter(planConvert(text, ferrySchema([{ name: 'c', type: 'string' }])), text, ferrySchema([{ name: 'c', type: 'string' }]));
  const limiter = new SharedRateLimiter(new Counters(createSharedState()), C.recordsNext, 1e12, 0);
  bench
    .add('build batch: 16384 rows x (bigint, string, double)', () => {
      const b = createBuilders(schema);
      for (let i = 0; i < 16384; i++) {
        b[0].append(i);
        b[1].append('name_' + i);
        b[2].append(i / 3);
      }
      finishBatch(schema, b);
    })
    .add('convert: 16384 strings -> bigint', () => void toBigint(textBatch))
    .add('convert: string -> string (pass-through)', () => void passThrough(textBatch))
    .add('rate limiter: take() on the shared schedule', async () => void (await limiter.take(16384)));
  await bench.run();
  return bench.tasks.map((t) => ({ name: t.name, opsPerSec: Math.round(t.result.throughput?.mean ?? t.result.hz ?? 0), meanUs: +((t.result.latency?.mean ?? t.result.mean ?? 0) * 1000).toFixed(1) }));
}

export default async function run({ rows = Number(process.env.FERRY_BENCH_ROWS ?? 5_000_000) } = {}) {
  const storeDir = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  try {
    const base = await bareGenerator(rows);
    const lines = [{ what: 'bare generator, 1 thread, no engine (baseline)', rows: base.rows, ms: base.ms }];
    for (const ch of [1, 2, 4]) {
      const r = await engineRun(rows, ch, storeDir);
      lines.push({ what: `ferry run generate -> null, ${ch} channel(s)`, rows: r.rows, ms: r.ms });
    }
    console.log(`\nengine: ${rows.toLocaleString('en-US')} rows of (bigint, string, double, timestamp)`);
    console.log('| what | rows/s | wall | vs baseline |\n|---|---|---|---|');
    for (const l of lines) console.log(`| ${l.what} | ${Math.round(l.rows / (l.ms / 1000)).toLocaleString('en-US')} | ${(l.ms / 1000).toFixed(2)} s | ${(base.ms / l.ms).toFixed(2)}x |`);
    const hot = await hotPaths();
    console.log('\nhot paths (tinybench)\n| task | ops/s | mean |\n|---|---|---|');
    for (const h of hot) console.log(`| ${h.name} | ${h.opsPerSec.toLocaleString('en-US')} | ${h.meanUs} us |`);
    const out = {
      bench: 'engine',
      rows,
      runs: lines.map((l) => ({ ...l, rowsPerSec: Math.round(l.rows / (l.ms / 1000)), ratioToBaseline: +(base.ms / l.ms).toFixed(3) })),
      hot,
      at: new Date().toISOString(),
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/engine.json'), JSON.stringify(out, null, 2));
    return out;
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
