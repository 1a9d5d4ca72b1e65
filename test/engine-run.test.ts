/**
 * The engine end to end through `ferry run`: real worker threads, the real
 * CLI process, third-party plugins loaded by path.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJob } from '@ferry/core/engine';
import { ROOT, runCli, tempDir } from './helpers.js';

const JSONL = join(ROOT, 'examples/plugins/jsonl-writer.mjs');
const FAILING = join(ROOT, 'test/fixtures/failing-reader.mjs');

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function writeJob(name: string, job: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(job, null, 2));
  return path;
}

const generated = (rows: number, extra: object = {}) => ({
  plugin: 'generate',
  rows,
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'name', type: 'string' },
    { name: 'score', type: 'double' },
    { name: 'at', type: 'timestamp' },
  ],
  ...extra,
});
const jsonlWriter = (
  path: string,
  columns = [
    { name: 'id', type: 'bigint' },
    { name: 'name', type: 'string' },
    { name: 'score', type: 'double' },
    { name: 'at', type: 'timestamp' },
  ],
) => ({ plugin: JSONL, path, columns });

describe('ferry run', () => {
  it('moves 5,000,000 generated rows at 2 channels in flat memory and reports them as JSON', async () => {
    const job = writeJob('job.json', { reader: generated(5_000_000), writer: { plugin: 'null' }, setting: { channel: 2 } });
    const res = await runCli(['run', job, '--json', '--store', join(dir, 'store')], { script: join(ROOT, 'test/fixtures/rss-run.mjs') });
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ status: 'succeeded', recordsRead: 5_000_000, recordsWritten: 5_000_000, dirtyRecords: 0, channels: 2 });
    expect(out.bytesRead).toBeGreaterThan(5_000_000 * 20);
    const rss = Number(/maxRSS=(\d+)/.exec(res.stderr)![1]);
    expect(rss).toBeLessThan(600 * 1024 * 1024);
  });

  it('bounds threads and memory at setting.channel 256: channels past 4 per core wait their turn, with a warning', async () => {
    const job = writeJob('job.json', { reader: generated(100_000), writer: { plugin: 'null' }, setting: { channel: 256 } });
    const res = await runCli(['run', job, '--json', '--store', join(dir, 'store')], { script: join(ROOT, 'test/fixtures/rss-run.mjs') });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'succeeded', recordsRead: 100_000, channels: 256 });
    expect(res.stderr).toMatch(/setting\.channel 256 is more than 4 per core \(\d+ core\(s\)\): running \d+ channel\(s\) at a time/);
    expect(res.stderr).not.toContain('MaxListenersExceededWarning');
    const rss = Number(/maxRSS=(\d+)/.exec(res.stderr)![1]);
    expect(rss).toBeLessThan(600 * 1024 * 1024);
  });

  it('gives the same rows whatever the channel count (deterministic generator, third-party writer by path)', async () => {
    const outputs: string[] = [];
    for (const channel of [1, 3]) {
      const out = join(dir, `out-${channel}.jsonl`);
      const job = writeJob(`job-${channel}.json`, { reader: generated(20_000, { batchRows: 1000 }), writer: jsonlWriter(out), setting: { channel } });
      const res = await runCli(['run', job, '--json', '--store', join(dir, 'store')]);
      expect(res.code, res.stderr).toBe(0);
      outputs.push(readFileSync(out, 'utf8').split('\n').filter(Boolean).sort().join('\n'));
    }
    expect(outputs[0]!.split('\n')).toHaveLength(20_000);
    expect(outputs[1]).toBe(outputs[0]);
    expect(JSON.parse(outputs[0]!.split('\n')[0]!)).toHaveProperty('at');
  });

  it('fails the job when dirty records pass errorLimit, shows the reason, keeps them in a file and leaves the destination as it was', async () => {
    const out = join(dir, 'out.jsonl');
    writeFileSync(out, 'old content\n');
    const job = writeJob('job.json', {
      reader: {
        plugin: 'generate',
        rows: 5000,
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'v', type: 'int' },
        ],
      },
      writer: jsonlWriter(out, [
        { name: 'id', type: 'bigint' },
        { name: 'v', type: 'tinyint' },
      ]),
      setting: { channel: 2, errorLimit: { records: 10 } },
    });
    const res = await runCli(['run', job, '--store', join(dir, 'store')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/ferry: job failed: dirty records passed the limit of 10 \(errorLimit\.records\); first: v: -?\d+ is out of range for TINYINT/);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(out, 'utf8')).toBe('old content\n');
    // The limit is the engine's, not the reader's: no plugin is blamed for it.
    const json = JSON.parse((await runCli(['run', job, '--json', '--store', join(dir, 'store')])).stdout);
    expect(json.error.code).toBe('FERRY_ERR_DIRTY_LIMIT');
    expect(json.error.plugin).toBeUndefined();
    const dirtyFile = /Dirty records file\s+: (\S+)/.exec(res.stdout)![1]!;
    const first = JSON.parse(readFileSync(dirtyFile, 'utf8').split('\n')[0]!);
    expect(first).toMatchObject({ column: 'v', record: { id: expect.any(String) } });
    expect(first.reason).toMatch(/out of range for TINYINT/);
  });

  it('writes the good rows and counts the dirty ones when they stay within errorLimit.percentage', async () => {
    const out = join(dir, 'out.jsonl');
    const job = writeJob('job.json', {
      reader: {
        plugin: 'generate',
        rows: 2000,
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'v', type: 'smallint' },
        ],
      },
      writer: jsonlWriter(out, [
        { name: 'id', type: 'bigint' },
        { name: 'v', type: 'tinyint' },
      ]),
      setting: { channel: 2, errorLimit: { percentage: 1 } },
    });
    const res = await runCli(['run', job, '--json', '--store', join(dir, 'store')]);
    expect(res.code).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r.dirtyRecords).toBeGreaterThan(0);
    expect(r.recordsWritten + r.dirtyRecords).toBe(2000);
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toHaveLength(r.recordsWritten);
  });

  it('stops every channel when one fails, names the plugin, and aborts the writer', async () => {
    const out = join(dir, 'out.jsonl');
    const result = await runJob(
      { reader: { plugin: FAILING, splits: 3 }, writer: jsonlWriter(out, [{ name: 'n', type: 'bigint' }]), setting: { channel: 3 } },
      { runsDir: join(dir, 'runs'), baseDir: dir },
    );
    expect(result.status).toBe('failed');
    expect(result.error!.message).toBe('plugin "failing" failed in read: disk on fire in split 0');
    // The plugin, hook and original code survive the hop from the worker thread as fields.
    expect(result.error).toMatchObject({ code: 'FERRY_ERR_INTERNAL', plugin: 'failing', hook: 'read', originalCode: 'EFIRE' });
    // The slow splits would have read 400 batches of 100 rows each.
    expect(result.recordsRead).toBeLessThan(2 * 400 * 100);
    expect(existsSync(out)).toBe(false);
    expect(result.recordsWritten).toBe(0);
  });

  it('stops on SIGINT with a non-zero exit and leaves the destination as it was', async () => {
    const out = join(dir, 'out.jsonl');
    writeFileSync(out, 'old\n');
    const job = writeJob('job.json', { reader: generated(10_000_000, { batchRows: 1000 }), writer: jsonlWriter(out), setting: { channel: 2, speed: { records: 20_000 } } });
    const res = await runCli(['run', job, '--json', '--store', join(dir, 'store')], {
      onSpawn: (child) => {
        // Interrupt once the job has really started (its run log exists).
        const timer = setInterval(() => {
          if (existsSync(join(dir, 'store', 'runs'))) {
            clearInterval(timer);
            setTimeout(() => child.kill('SIGINT'), 500);
          }
        }, 50);
      },
    });
    expect(res.code).toBe(1);
    const r = JSON.parse(res.stdout);
    expect(r.status).toBe('failed');
    expect(r.error.code).toBe('FERRY_ERR_ABORTED');
    expect(readFileSync(out, 'utf8')).toBe('old\n');
  });

  it('says CANCELLED, not FAILED, in the summary of a job stopped by SIGINT', async () => {
    const job = writeJob('job.json', { reader: generated(10_000_000, { batchRows: 1000 }), writer: { plugin: 'null' }, setting: { channel: 2, speed: { records: 20_000 } } });
    const res = await runCli(['run', job, '--store', join(dir, 'store')], {
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (existsSync(join(dir, 'store', 'runs'))) {
            clearInterval(timer);
            setTimeout(() => child.kill('SIGINT'), 500);
          }
        }, 50);
      },
    });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^Status +: CANCELLED$/m);
    expect(res.stderr).toContain('ferry: job cancelled: the job was cancelled');
    expect(res.stderr).not.toContain('job failed');
  });

  it('labels plugin counters in the summary style and gives sizes and speeds in one unit system (MiB, MiB/s)', async () => {
    const job = writeJob('job.json', { reader: { plugin: join(ROOT, 'test/fixtures/counting-reader.mjs') }, writer: { plugin: 'null' } });
    const res = await runCli(['run', job, '--store', join(dir, 'store')]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^HTTP retries +: 2$/m);
    expect(res.stdout).toMatch(/^Zero dates as null +: 1$/m);
    expect(res.stdout).toMatch(/^Average speed +: \d+\.\d MiB\/s, [\d,]+ records\/s$/m);
    expect(res.stdout).not.toMatch(/\bMB\/s|httpRetries/);
    const json = JSON.parse((await runCli(['run', job, '--json', '--store', join(dir, 'store')])).stdout);
    expect(json.counters).toEqual({ httpRetries: 2, zeroDatesAsNull: 1 }); // machine-readable keys stay as they are
  });

  it('exits 2 with one line for config and placeholder mistakes', async () => {
    const bad = writeJob('bad.json', { reader: { plugin: 'generate', rows: -1 }, writer: { plugin: 'null' } });
    let res = await runCli(['run', bad, '--store', join(dir, 'store')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('ferry: job failed: reader.rows: expected a non-negative integer, got -1');
    expect(res.stdout).toBe(''); // no summary of zeros when nothing ran

    const ph = writeJob('ph.json', { reader: generated(1), writer: { plugin: 'null', partition: 'dt=${bizdate}' } });
    res = await runCli(['run', ph, '--store', join(dir, 'store')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unfilled placeholder ${bizdate} (in writer.partition)');

    const missingPlugin = writeJob('mp.json', { reader: { plugin: 'nosuch' }, writer: { plugin: 'null' } });
    res = await runCli(['run', missingPlugin, '--store', join(dir, 'store')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('plugin "nosuch" not found');

    const mismatch = writeJob('mm.json', { reader: generated(1), writer: jsonlWriter(join(dir, 'x.jsonl'), [{ name: 'id', type: 'bigint' }]) });
    res = await runCli(['run', mismatch, '--store', join(dir, 'store')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('column count mismatch: the reader gives 4 column(s) (id, name, score, at) but the writer expects 1 (id)');

    res = await runCli(['run', join(dir, 'nope.json')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`ferry: job file not found: ${join(dir, 'nope.json')}\n`);
  });

  it('fills placeholders from -p and --bizdate', async () => {
    const out = join(dir, 'out-${bizdate}-${suffix}.jsonl');
    const job = writeJob('job.json', { reader: { plugin: 'generate', rows: 10, columns: [{ name: 'id', type: 'bigint' }] }, writer: jsonlWriter(out, [{ name: 'id', type: 'bigint' }]) });
    const res = await runCli(['run', job, '--bizdate', '20240620', '-p', 'suffix=a', '--json', '--store', join(dir, 'store')]);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out-20240620-a.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(10);
  });
});
