// Peak memory of `ferry run` generate -> table store at 2 channels, for a small and a big row count:
// the writer must keep memory flat whatever the row count (issue target: under 400 MiB, small vs big within 20%).
// The same job into the `null` writer is the baseline (reader + engine alone).
//   node bench/writer-table/rss.mjs     (FERRY_BENCH_RSS_SMALL=5000000, FERRY_BENCH_RSS_BIG=30000000)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'packages/cli/bin/ferry.js');

/** Runs ferry under /usr/bin/time; returns wall seconds and peak RSS in MiB. */
function measured(args, storeDir) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, CLI, ...args, '--store', storeDir, '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ferry ${args.join(' ')} failed: ${r.stderr}`);
  const [wall, kb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, rssMiB: Math.round(kb / 1024) };
}

export default async function run({ small = Number(process.env.FERRY_BENCH_RSS_SMALL ?? 5_000_000), big = Number(process.env.FERRY_BENCH_RSS_BIG ?? 30_000_000) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-rss-'));
  const storeDir = join(dir, 'store');
  const runs = [];
  try {
    spawnSync(process.execPath, [CLI, 'table', 'create', '--store', storeDir, '--sql', 'CREATE TABLE gen (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING)']);
    for (const rows of [small, big]) {
      for (const writer of [{ plugin: 'null' }, { plugin: 'table', table: 'gen', partition: `dt=${rows}` }]) {
        const job = join(dir, 'job.json');
        writeFileSync(job, JSON.stringify({ reader: { plugin: 'generate', rows }, writer, setting: { channel: 2 } }));
        runs.push({ rows, writer: writer.plugin, ...measured(['run', job], storeDir) });
      }
      // Free the disk between sizes.
      spawnSync(process.execPath, [CLI, 'table', 'drop', 'gen', '--store', storeDir]);
      spawnSync(process.execPath, [CLI, 'table', 'create', '--store', storeDir, '--sql', 'CREATE TABLE gen (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING)']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nwriter-table: peak RSS of `ferry run` generate (bigint, string, double, timestamp) at 2 channels');
  console.log('| rows | writer | wall | peak RSS |');
  console.log('|---|---|---|---|');
  for (const r of runs) console.log(`| ${r.rows.toLocaleString('en-US')} | ${r.writer} | ${r.wall.toFixed(2)} s | ${r.rssMiB} MiB |`);
  const store = runs.filter((r) => r.writer === 'table');
  const growth = store[1].rssMiB / store[0].rssMiB;
  console.log(
    `store: ${store[0].rssMiB} -> ${store[1].rssMiB} MiB (${((growth - 1) * 100).toFixed(0)}% from ${small.toLocaleString('en-US')} to ${big.toLocaleString('en-US')} rows; target under 400 MiB and within 20%)`,
  );
  const out = { bench: 'writer-table-rss', runs, at: new Date().toISOString() };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/writer-table-rss.json'), JSON.stringify(out, null, 2));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
