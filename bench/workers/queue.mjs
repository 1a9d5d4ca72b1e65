// Worker queue benchmark: the same generate -> table job (store files
// written, uploaded over HTTP, committed) run (a) on threads, `ferry run`
// with N channels (the baseline), (b) through the queue with one `ferry
// worker` of concurrency N (the queue path's overhead at the same channel
// count), and (c) with 1, 2 and 3 worker processes of concurrency 2 each.
// All on this machine, over loopback; every run is a fresh `ferry run`.
//   node bench/workers/queue.mjs    (FERRY_BENCH_WORKERS_ROWS=1000000, FERRY_BENCH_WORKERS_CHANNELS=4,
//                                    FERRY_BENCH_WORKERS_REPEAT=1 rounds (best kept),
//                                    FERRY_BENCH_REDIS=redis://127.0.0.1:6379/12, emptied first)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'packages/cli/bin/ferry.js');

function ferry(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ferry ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

export default async function run({
  rows = Number(process.env.FERRY_BENCH_WORKERS_ROWS ?? 1_000_000),
  channels = Number(process.env.FERRY_BENCH_WORKERS_CHANNELS ?? 4),
  repeat = Number(process.env.FERRY_BENCH_WORKERS_REPEAT ?? 1),
  redis = process.env.FERRY_BENCH_REDIS ?? 'redis://127.0.0.1:6379/12',
} = {}) {
  const db = new URL(redis).pathname.slice(1) || '0';
  try {
    execFileSync('redis-cli', ['-u', redis, 'flushdb'], { stdio: 'pipe' });
  } catch {
    console.log(`\nworkers: skipped, no Redis answers at ${redis} (start redis-server, or set FERRY_BENCH_REDIS)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-workers-'));
  const store = join(dir, 'store');
  const workers = [];
  const stopWorkers = async () => {
    for (const w of workers.splice(0)) {
      w.kill('SIGKILL');
      await new Promise((r) => (w.exitCode !== null ? r() : w.once('exit', r)));
    }
  };
  const startWorkers = async (n, concurrency) => {
    await stopWorkers();
    for (let i = 0; i < n; i++) {
      workers.push(spawn(process.execPath, [CLI, 'worker', '--redis', redis, '--concurrency', String(concurrency), '--name', `bench${i}`, '--work-dir', join(dir, `work${i}`)], { stdio: 'ignore' }));
    }
    for (let i = 0; i < 400; i++) {
      const s = JSON.parse(await ferry(['workers', '--redis', redis, '--json']));
      if (s.workers.length === n) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${n} worker(s) did not register`);
  };
  try {
    await ferry(['table', 'create', '--store', store, '--sql', 'CREATE TABLE t (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP)']);
    const job = join(dir, 'job.json');
    writeFileSync(
      job,
      JSON.stringify({
        reader: {
          plugin: 'generate',
          rows,
          // generate's default columns: id BIGINT, name STRING, score DOUBLE, at TIMESTAMP (the table's)
          splitRows: Math.ceil(rows / (channels * 4)),
        },
        writer: { plugin: 'table', table: 't' },
        setting: { channel: channels },
      }),
    );
    const once = async (extra) => {
      const t0 = performance.now();
      const r = JSON.parse(await ferry(['run', job, '--store', store, '--json', '--quiet', ...extra]));
      if (r.status !== 'succeeded' || r.recordsWritten !== rows) throw new Error(`run failed: ${JSON.stringify(r.error ?? r)}`);
      return { ms: r.elapsedMs, wallMs: performance.now() - t0, splits: r.splits };
    };
    const settings = [
      { what: `threads, ${channels} channels (baseline)`, workers: 0, concurrency: channels, extra: [] },
      { what: `queue, 1 worker x ${channels}`, workers: 1, concurrency: channels, extra: ['--workers', redis] },
      { what: 'queue, 1 worker x 2', workers: 1, concurrency: 2, extra: ['--workers', redis] },
      { what: 'queue, 2 workers x 2', workers: 2, concurrency: 2, extra: ['--workers', redis] },
      { what: 'queue, 3 workers x 2', workers: 3, concurrency: 2, extra: ['--workers', redis] },
    ];
    const best = new Map();
    for (let round = 0; round < repeat; round++) {
      for (const s of settings) {
        if (s.workers) await startWorkers(s.workers, s.concurrency);
        else await stopWorkers();
        const r = await once(s.extra);
        const prev = best.get(s.what);
        if (!prev || r.ms < prev.ms) best.set(s.what, r);
      }
    }
    await stopWorkers();
    const base = best.get(settings[0].what);
    const load = loadavg()[0];
    console.log(
      `\nworkers: ${rows.toLocaleString('en-US')} rows generate -> table store (files uploaded to the coordinator over loopback), ${base.splits} splits, redis db ${db}; ${availableParallelism()} cores, load ${load.toFixed(2)} (figures of a busy machine: compare within this run)`,
    );
    console.log('| what | rows/s | run time | process wall | vs threads |\n|---|---|---|---|---|');
    const lines = settings.map((s) => ({ what: s.what, ...best.get(s.what) }));
    for (const l of lines)
      console.log(`| ${l.what} | ${Math.round(rows / (l.ms / 1000)).toLocaleString('en-US')} | ${(l.ms / 1000).toFixed(2)} s | ${(l.wallMs / 1000).toFixed(2)} s | ${(base.ms / l.ms).toFixed(2)}x |`);
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/workers.json'), JSON.stringify({ rows, channels, repeat, cores: availableParallelism(), load, lines }, null, 2));
  } finally {
    await stopWorkers();
    try {
      execFileSync('redis-cli', ['-u', redis, 'flushdb'], { stdio: 'pipe' });
    } catch {
      // Redis went away: nothing to empty
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
