import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, createTable, getTable, listDataFiles, listPending, listPartitions, openStore, ParquetWriter, reclaimDeadWrites, selfIdentity, tableSchema, type Store } from '@ferry/writer-table';
import { batchOf, tempStore, writeTable } from './helpers.js';

const distUrl = pathToFileURL(join(fileURLToPath(import.meta.url), '../../dist/index.js')).href;
const coreUrl = pathToFileURL(join(fileURLToPath(import.meta.url), '../../../core/dist/index.js')).href;

let dir: string;
let store: Store;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, store, cleanup } = tempStore());
  await createTable(store, 'default', 'CREATE TABLE t (id BIGINT, s STRING) PARTITIONED BY (dt STRING)');
});
afterEach(() => cleanup());

/** A child process that starts an overwrite of dt=1, stages files, says so, then hangs until killed. */
function startCrashingWriter(storeDir: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const script = join(storeDir, 'child.mjs');
  writeFileSync(
    script,
    `
import tableWriter, { openStore } from '${distUrl}';
import { createBuilders, finishBatch, validate } from '${coreUrl}';
const log = { info() {}, warn() {}, debug() {} };
const ctx = { log, signal: new AbortController().signal, params: {}, settings: { storeDir: ${JSON.stringify(storeDir)}, project: 'default' }, storeDir: ${JSON.stringify(storeDir)}, baseDir: '.', runDir: '.' };
const cfg = validate(tableWriter.config, { table: 't', partition: 'dt=1', fileBytes: 65536 }, 'writer');
const schema = await tableWriter.schema(cfg, ctx);
const handle = await tableWriter.prepare(cfg, { ...ctx, schema });
const sink = await tableWriter.open(handle, { ...ctx, splitIndex: 0, count() {} });
for (let b = 0; b < 20; b++) {
  const builders = createBuilders(schema);
  for (let i = 0; i < 5000; i++) { builders[0].append(b * 5000 + i); builders[1].append('new row ' + i); }
  await sink.write(finishBatch(schema, builders));
}
await openStore(ctx.storeDir).env.flushed;
process.stdout.write('staged\\n');
setInterval(() => {}, 1000);
`,
  );
  const child = spawn(process.execPath, [script], { cwd: join(fileURLToPath(import.meta.url), '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('staged')) {
        resolve({
          pid: child.pid!,
          kill: async () => {
            child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
  });
}

describe('crash recovery', () => {
  it('a writer killed with SIGKILL leaves the old partition whole; reopening reclaims its staged files and lock', async () => {
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [
      [
        [
          [1, 'old a'],
          [2, 'old b'],
        ],
      ],
    ]);
    const before = listDataFiles(dir).length;
    const child = await startCrashingWriter(dir);
    expect(listPending(store).map((w) => w.pid)).toEqual([child.pid]);
    expect(listDataFiles(dir).length).toBeGreaterThan(before + 5);
    await child.kill();

    // The old partition is untouched while the dead write's leftovers are still there.
    expect(countRows(store, 'default', 't', 'dt=1')).toBe(2);

    // Reopen: the first open in a process reclaims writes of dead processes.
    await store.close();
    store = openStore(dir);
    expect(listPending(store)).toEqual([]);
    expect(listDataFiles(dir).length).toBe(before);
    expect(listPartitions(store, 'default', 't').map((p) => [p.spec, p.rows])).toEqual([['dt=1', 2]]);

    // Its lock is gone too: the partition can be written again.
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[[[3, 'next']]]]);
    expect(countRows(store, 'default', 't')).toBe(1);
  });

  it('a job in another process holding the partition makes a second write fail naming the partition and its pid', async () => {
    const child = await startCrashingWriter(dir);
    try {
      await expect(writeTable(dir, { table: 't', partition: 'dt=1' }, [[[[1, 'a']]]])).rejects.toThrow(`partition dt=1 of table default.t is being written by another job (pid ${child.pid}, since `);
      // Another partition is free meanwhile.
      await writeTable(dir, { table: 't', partition: 'dt=2' }, [[[[2, 'b']]]]);
      expect(countRows(store, 'default', 't')).toBe(1);
    } finally {
      await child.kill();
    }
  });

  it('a pending write whose pid now belongs to another process (pid reused) is reclaimed', async () => {
    const def = getTable(store, 'default', 't')!;
    const writeId = 'reused-pid-write';
    const proc = { boot: selfIdentity().boot, start: 'not-the-start-time-of-that-pid' };
    await store.writes.put(`w/${writeId}`, { writeId, pid: process.ppid, proc, project: 'default', table: 't', partition: 'dt=1', startedAt: new Date().toISOString() });
    await store.writes.put('l/default/t/dt=1', { writeId, pid: process.ppid, proc, since: new Date().toISOString() });
    const staged = new ParquetWriter(store, { writeId, def, partition: 'dt=1', columns: ['id', 's'], channel: 0 });
    await staged.write(batchOf(tableSchema(def), [[1, 'x']]));
    await staged.close();
    expect(listDataFiles(dir).length).toBe(1);
    expect(reclaimDeadWrites(store)).toBe(1);
    expect(listDataFiles(dir).length).toBe(0);
    expect(listPending(store)).toEqual([]);
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[[[1, 'a']]]]);
  });

  it('a stale lock of a dead process is taken over by the next write', async () => {
    const child = await startCrashingWriter(dir);
    await child.kill();
    // This process already has the store open (no reclaim at open): prepare takes the lock over itself.
    await writeTable(dir, { table: 't', partition: 'dt=1' }, [[[[1, 'a']]]]);
    expect(countRows(store, 'default', 't')).toBe(1);
    expect(listPending(store)).toEqual([]);
    expect(listDataFiles(dir).length).toBe(1);
  });
});
