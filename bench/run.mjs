// `pnpm bench [name...]`: runs the benchmarks (all by default) one after the
// other; each prints its table with the baseline ratio and saves JSON in
// bench/results/. Sizes come from env vars named in each file.
import { existsSync } from 'node:fs';

const ALL = {
  engine: './core/engine.mjs',
  'writer-table': './writer-table/write.mjs',
  'writer-table-rss': './writer-table/rss.mjs',
  'writer-table-sql': './writer-table/sql.mjs',
  'writer-table-insert': './writer-table/insert.mjs',
  'reader-httpfile': './reader-httpfile/e2e.mjs',
  'reader-mysql': './reader-mysql/e2e.mjs',
  resume: './core/resume.mjs',
  workflow: './workflow/overhead.mjs',
  workers: './workers/queue.mjs',
};
const asked = process.argv.slice(2);
for (const name of asked)
  if (!ALL[name]) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(ALL).join(', ')}`);
    process.exit(2);
  }
const names = asked.length ? asked : Object.keys(ALL);
for (const name of names) {
  const url = new URL(ALL[name], import.meta.url);
  if (!existsSync(url)) {
    console.log(`\n(${name}: no benchmark file yet)`);
    continue;
  }
  const t0 = performance.now();
  const mod = await import(url.href);
  await mod.default({});
  console.log(`(${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
