/**
 * The `file` reader on real local files: paths, file:// URLs and globs,
 * gzip, byte-range splits, DataX's column options and date layouts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { validate } from '@ferry/core';
import plugin from '@ferry/reader-httpfile/file';

const dir = mkdtempSync(join(tmpdir(), 'ferry-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Drives the plugin as the engine does: validate, schema, split, read every split. */
async function readAll(raw: Record<string, unknown>, advice = 1) {
  const config = validate(plugin.config, raw, 'reader');
  const signal = new AbortController().signal;
  const log = { info: () => {}, warn: () => {}, debug: () => {} };
  const jobCtx = { log, signal, params: {}, settings: {}, baseDir: dir, runDir: dir };
  const schema = await plugin.schema(config, jobCtx);
  const splits = await plugin.split(config, { ...jobCtx, advice });
  const rows: (string | null)[][] = [];
  const dirty: { row: unknown; reason: string }[] = [];
  for (const [i, split] of splits.entries()) {
    const ctx = { log, signal, splitIndex: i, settings: {}, baseDir: dir, config, schema, count: () => {}, dirty: (row: unknown, reason: string) => dirty.push({ row, reason }) };
    for await (const batch of plugin.read(split, ctx)) {
      for (let r = 0; r < batch.numRows; r++) {
        const row: (string | null)[] = [];
        for (let c = 0; c < batch.numCols; c++) row.push((batch.getChildAt(c)!.get(r) as string | null) ?? null);
        rows.push(row);
      }
    }
  }
  return { rows, dirty, splits };
}

function write(name: string, data: string | Buffer): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
  return path;
}

describe('file reader', () => {
  it('a glob over several gzip files reads what reading them one by one reads', async () => {
    const names = ['logs/a.log.gz', 'logs/b.log.gz', 'logs/c.log.gz'];
    names.forEach((n, f) => write(n, gzipSync(Array.from({ length: 500 + f * 37 }, (_, i) => `${f}|${i}|line ${i} of file ${f}\n`).join(''))));
    write('logs/ignored.txt', 'not a gz file\n');
    const base = { compress: 'gzip', fieldDelimiter: '|', format: 'text', columns: [{ index: 0 }, { index: 1, type: 'long' }, { index: 2 }] };
    const globbed = await readAll({ ...base, path: 'logs/*.log.gz' }, 2);
    const oneByOne: (string | null)[][] = [];
    for (const n of names) oneByOne.push(...(await readAll({ ...base, path: join(dir, n) })).rows);
    expect(globbed.splits).toHaveLength(3);
    expect(globbed.rows).toEqual(oneByOne);
    expect(globbed.rows).toHaveLength(500 + 537 + 574);
    // A list of a file:// URL and a pattern: each file once.
    const listed = await readAll({ ...base, path: [pathToFileURL(join(dir, names[1]!)).href, 'logs/?.log.gz'] });
    expect(listed.rows).toHaveLength(oneByOne.length);
    expect(listed.rows[0]).toEqual(['1', '0', 'line 0 of file 1']);
  });

  it('byte-range splits of a local text file give exactly its lines, whatever the cut points', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `${i}\t${'x'.repeat(i % 97)}`);
    write('big.tsv', lines.join('\n') + '\n');
    for (const splitSize of [1000, 4096, 7777]) {
      const r = await readAll({ path: 'big.tsv', splitSize }, 3);
      expect(r.splits.length).toBeGreaterThan(1);
      expect(r.rows.map((row) => row[0])).toEqual(lines);
    }
  });

  it("takes DataX's options: skipHeader, nullFormat, constants, and date layouts with a time of day", async () => {
    write('people.csv', 'id,name,born,seen\n1,"Ann, A.",1990.01.02,2024-03-04 05:06:07\n2,\\N,1991.12.31,2024-02-29 23:59:59\n');
    const r = await readAll({
      path: 'people.csv',
      format: 'csv',
      skipHeader: true,
      nullFormat: '\\N',
      columns: [{ index: 0, type: 'long' }, { index: 1 }, { index: 2, type: 'date', format: 'yyyy.MM.dd' }, { index: 3, type: 'datetime', format: 'yyyy-MM-dd HH:mm:ss' }, { value: 'src-a' }],
    });
    expect(r.rows).toEqual([
      ['1', 'Ann, A.', '1990-01-02', '2024-03-04 05:06:07', 'src-a'],
      ['2', null, '1991-12-31', '2024-02-29 23:59:59', 'src-a'],
    ]);
  });

  it('a pattern that matches nothing and a missing file are errors naming them', async () => {
    await expect(readAll({ path: 'nothing/*.csv' })).rejects.toThrow(`reader.path: no file matches ${join(dir, 'nothing/*.csv')}`);
    await expect(readAll({ path: ['people.csv', 'missing.csv'] })).rejects.toThrow(`reader.path[1]: no such file: ${join(dir, 'missing.csv')}`);
  });
});
