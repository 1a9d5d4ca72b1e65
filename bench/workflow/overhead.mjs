// Workflow-layer overhead: what running a job as a workflow node costs on top
// of calling the engine directly (the baseline): node claims and state
// updates in LMDB, the node log, params and data sources. Also the cost per
// node of a long chain of virtual nodes (pure bookkeeping).
//   node bench/workflow/overhead.mjs   (FERRY_BENCH_WF_RUNS=10, FERRY_BENCH_WF_ROWS=100000, FERRY_BENCH_WF_CHAIN=100)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runJob } from '@ferry/core/engine';
import { median } from '../stats.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const { dateRange, loadWorkspace, runWorkflowInstance } = await import(join(ROOT, 'packages/workflow/dist/index.js'));

const job = (rows) => ({
  reader: {
    plugin: 'generate',
    rows,
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'string' },
    ],
  },
  writer: { plugin: 'null' },
  setting: { channel: 1 },
});

export default async function run({
  runs = Number(process.env.FERRY_BENCH_WF_RUNS ?? 10),
  rows = Number(process.env.FERRY_BENCH_WF_ROWS ?? 100_000),
  chain = Number(process.env.FERRY_BENCH_WF_CHAIN ?? 100),
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-wf-'));
  try {
    mkdirSync(join(dir, 'jobs'));
    writeFileSync(join(dir, 'jobs', 'gen.json'), JSON.stringify(job(rows)));
    const nodes = Array.from({ length: chain }, (_, i) => `      v${i}: { type: virtual${i ? `, depends: [v${i - 1}]` : ''} }`).join('\n');
    writeFileSync(
      join(dir, 'ferry.yaml'),
      `name: bench\nenvironments:\n  dev: { project: p }\nworkflows:\n  One:\n    nodes:\n      gen: { type: sync, job: jobs/gen.json }\n  Chain:\n    nodes:\n${nodes}\n`,
    );
    const ws = await loadWorkspace({ workspace: dir });
    const dates = dateRange('20200101', '20291231');
    const direct = [];
    const asNode = [];
    for (let i = 0; i < runs; i++) {
      // Interleaved so machine noise hits both alike.
      let t0 = performance.now();
      const r = await runJob(job(rows), { runsDir: join(ws.storeDir, 'runs'), baseDir: dir });
      if (r.status !== 'succeeded') throw new Error(r.error?.message);
      direct.push(performance.now() - t0);
      t0 = performance.now();
      const w = await runWorkflowInstance(ws, 'One', { bizdate: dates[i] });
      if (!w.ok) throw new Error(JSON.stringify(w.nodes));
      asNode.push(performance.now() - t0);
    }
    const t0 = performance.now();
    const c = await runWorkflowInstance(ws, 'Chain', { bizdate: '20240101' });
    if (!c.ok) throw new Error('chain failed');
    const chainMs = performance.now() - t0;

    const d = median(direct);
    const n = median(asNode);
    const rowsOut = [
      ['runJob directly (baseline)', d.toFixed(1), '1.00x'],
      ['same job as a workflow node', n.toFixed(1), `${(n / d).toFixed(2)}x`],
      ['  overhead per instance', (n - d).toFixed(1), ''],
      [`virtual node in a chain of ${chain}`, (chainMs / chain).toFixed(2), ''],
    ];
    console.log(`\nworkflow overhead: generate ${rows} rows -> null, median of ${runs} runs (ms)`);
    const w0 = Math.max(...rowsOut.map((r) => r[0].length));
    for (const [a, b, r] of rowsOut) console.log(`${a.padEnd(w0)}  ${b.padStart(8)}  ${r}`);
    const result = { bench: 'workflow-overhead', rows, runs, chain, directMedianMs: d, nodeMedianMs: n, ratio: n / d, overheadMs: n - d, virtualNodeMs: chainMs / chain, at: new Date().toISOString() };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'workflow.json'), JSON.stringify(result, null, 2));
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
