/** Runs the worked example of docs/plugins.md: third-party plugins loaded by path. */
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  cpSync(join(ROOT, 'examples/plugins'), join(dir, 'plugins'), { recursive: true });
  // As in a user's project: the plugins' dependency @ferry/core is installed next to them.
  mkdirSync(join(dir, 'node_modules/@ferry'), { recursive: true });
  symlinkSync(join(ROOT, 'packages/core'), join(dir, 'node_modules/@ferry/core'));
});
afterEach(() => cleanup());

function job(limit: number) {
  return {
    reader: { plugin: './plugins/lines-reader.mjs', files: ['a.txt', 'b.txt'] },
    writer: { plugin: './plugins/jsonl-writer.mjs', path: 'out.jsonl', columns: [{ name: 'n', type: 'bigint' }] },
    setting: { channel: 2, errorLimit: { records: limit } },
  };
}

describe('the docs/plugins.md worked example', () => {
  it('reads lines with a reader loaded by path and writes them with a writer loaded by path', async () => {
    writeFileSync(join(dir, 'a.txt'), '1\n2\n3\n');
    writeFileSync(join(dir, 'b.txt'), '40\nfifty\n60\n');
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job(5)));
    const res = await runCli(['run', join(dir, 'job.json'), '--json', '--store', join(dir, 'store')]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'succeeded', recordsRead: 6, recordsWritten: 5, dirtyRecords: 1 });
    const rows = readFileSync(join(dir, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).n);
    expect(rows).toEqual(['1', '2', '3', '40', '60']);
  });

  it('leaves out.jsonl as it was when dirty lines pass the limit', async () => {
    writeFileSync(join(dir, 'a.txt'), 'x\ny\n');
    writeFileSync(join(dir, 'b.txt'), '1\n');
    writeFileSync(join(dir, 'out.jsonl'), 'previous\n');
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job(1)));
    const res = await runCli(['run', join(dir, 'job.json'), '--store', join(dir, 'store')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('dirty records passed the limit of 1');
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8')).toBe('previous\n');
    expect(existsSync(join(dir, 'out.jsonl.tmp'))).toBe(false);
  });
});
