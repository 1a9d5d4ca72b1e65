// kill -9 of a real `ferry run` in the middle of an overwrite (moved from packages/writer-table: no package test spawns the CLI).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJob } from '@ferry/core/engine';
import { countRows, createTable, listDataFiles, listPending, openStore, type Store } from '@ferry/writer-table';
import { CLI, exportJsonl, tempDir } from './helpers.js';

/** Rows of the overwrite that gets killed; FERRY_KILL_ROWS=50000000 for the full-size run. */
const KILL_ROWS = Number(process.env.FERRY_KILL_ROWS ?? 5_000_000);
/** Staged files (fileBytes 1 MiB: about 25k rows each) to wait for before the kill. */
const KILL_AFTER_FILES = Number(process.env.FERRY_KILL_AFTER_FILES ?? 12);
const quiet = { info() {}, warn() {}, debug() {} };

let dir: string;
let store: Store;
let cleanup: () => void;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir('ferry-crash-cli-'));
  store = openStore(dir);
  await createTable(store, 'default', 'CREATE TABLE gen (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING) LIFECYCLE 7');
});
afterEach(async () => {
  await store.close();
  cleanup();
});

function job(rows: number, extra: { writer?: object; reader?: object; setting?: object } = {}) {
  return {
    reader: { plugin: 'generate', rows, ...extra.reader },
    writer: { plugin: 'table', table: 'gen', partition: 'dt=${bizdate}', ...extra.writer },
    setting: { channel: 2, ...extra.setting },
  };
}

async function run(j: object, bizdate = '20240620') {
  return runJob(j, {
    plugins: { table: new URL('../packages/writer-table/dist/index.js', import.meta.url).href },
    settings: { table: { storeDir: dir, project: 'default' } },
    runsDir: join(dir, 'runs'),
    params: { bizdate },
    log: quiet,
  });
}

async function exportHash(partition: string): Promise<{ lines: number; hash: string }> {
  const { rows, bytes } = await exportJsonl(store, 'gen', partition);
  return { lines: rows, hash: createHash('sha256').update(bytes).digest('hex') };
}

describe('crash of a real ferry process', () => {
  it(`kill -9 in the middle of an overwrite of ${KILL_ROWS.toLocaleString('en')} rows leaves the old partition whole and exportable`, async () => {
    expect((await run(job(20_000, { reader: { seed: 7 } }))).status).toBe('succeeded');
    const before = await exportHash('dt=20240620');
    expect(before.lines).toBe(20_000);
    const baseFiles = listDataFiles(dir);

    writeFileSync(join(dir, 'job.json'), JSON.stringify(job(KILL_ROWS, { writer: { fileBytes: 1 << 20 } })));
    const child = spawn(process.execPath, [CLI, 'run', join(dir, 'job.json'), '--store', dir, '--bizdate', '20240620', '--quiet'], { stdio: 'ignore' });
    let exited = false;
    const exit = new Promise<void>((r) => child.on('exit', () => ((exited = true), r())));
    // Wait until the overwrite has staged a good number of files, then kill it.
    while (!exited && listDataFiles(dir).length < baseFiles.length + KILL_AFTER_FILES) await new Promise((r) => setTimeout(r, 25));
    expect(exited, 'the job finished before it could be killed: raise FERRY_KILL_ROWS').toBe(false);
    child.kill('SIGKILL');
    await exit;

    expect(countRows(store, 'default', 'gen', 'dt=20240620')).toBe(20_000);
    expect(await exportHash('dt=20240620')).toEqual(before);
    expect(listPending(store)).toHaveLength(1);

    expect(listDataFiles(dir).length).toBeGreaterThan(baseFiles.length);
    // The next open (a new process, or this one after closing) deletes the staged files.
    await store.close();
    store = openStore(dir);
    expect(listPending(store)).toEqual([]);
    expect(listDataFiles(dir)).toEqual(baseFiles);
    expect(await exportHash('dt=20240620')).toEqual(before);
    // And the partition can be overwritten again.
    expect((await run(job(5000))).status).toBe('succeeded');
    expect(countRows(store, 'default', 'gen', 'dt=20240620')).toBe(5000);
  });
});
