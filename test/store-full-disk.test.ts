// Issue 9 item 4: a store on a full file system fails in one line, exit 1, and is whole once space is freed.
// Runs on a small tmpfs the test mounts (root only); elsewhere it is skipped with the reason.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, tempDir } from './helpers.js';

const { dir: base, cleanup } = tempDir('ferry-full-disk-');
const mnt = join(base, 'tmpfs');
let skip = '';

beforeAll(() => {
  mkdirSync(mnt);
  if (process.getuid?.() !== 0) skip = 'needs root to mount a tmpfs';
  else {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { encoding: 'utf8' });
    if (r.status !== 0) skip = `cannot mount a tmpfs: ${r.stderr.trim()}`;
  }
  if (skip) console.warn(`store-full-disk: skipped (${skip})`);
});
afterAll(() => {
  if (!skip) spawnSync('umount', [mnt]);
  cleanup();
});

const store = () => join(mnt, 'store');

function ferry(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--store', store()], { cwd: base, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Fills the file system until a write fails. */
function fill(): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(mnt, `fill-${i}`), chunk);
    } catch {
      return;
    }
  }
}

describe('a store on a full file system', () => {
  it('fails every command in one line naming the store and "no space left", and works again once space is freed', { timeout: 240_000 }, (ctx) => {
    if (skip) return ctx.skip();
    writeFileSync(join(base, 'job.json'), JSON.stringify({ reader: { plugin: 'generate', rows: 20_000 }, writer: { plugin: 'table', table: 't', partition: 'dt=1' }, setting: { channel: 2 } }));
    expect(ferry('table', 'create', '--sql', 'CREATE TABLE t (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING)').code).toBe(0);
    expect(ferry('run', 'job.json').code).toBe(0);
    fill();
    const line = new RegExp(`^ferry: (job failed: )?store ${store().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no space left on the file system[^\\n]*\\n$`);
    for (const args of [
      ['table', 'list'],
      ['table', 'count', 't'],
      ['run', 'job.json', '--quiet'],
    ]) {
      const r = ferry(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(line);
      expect(r.stderr).not.toMatch(/SIGBUS|mdb_page|internal error/);
    }
    expect(statSync(join(store(), 'store.mdb')).size).toBeGreaterThan(0);
    for (let i = 0; ; i++) {
      try {
        rmSync(join(mnt, `fill-${i}`));
      } catch {
        break;
      }
    }
    expect(ferry('table', 'count', 't')).toMatchObject({ code: 0, stdout: '20000\n' });
    expect(ferry('run', 'job.json', '--quiet').code).toBe(0);
    expect(ferry('table', 'count', 't')).toMatchObject({ code: 0, stdout: '20000\n' });
  });
});
