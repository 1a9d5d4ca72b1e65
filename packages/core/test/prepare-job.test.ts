import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareJob } from '@ferry/core/engine';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ferry-prepare-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('prepareJob (ferry run and workflow nodes)', () => {
  it('fills params and expressions once, then merges data sources, which are not read as placeholders', async () => {
    const file = join(dir, 'job.json');
    writeFileSync(file, JSON.stringify({ reader: { datasource: 'db', table: 't_${bizdate}', where: 'd = ${yyyymmdd-1}' }, writer: { plugin: 'null' } }));
    const seen: unknown[] = [];
    const p = await prepareJob(file, {
      params: { bizdate: '20240620' },
      expressions: (body) => (body === 'yyyymmdd-1' ? '20240619' : undefined),
      datasources: (job, f) => {
        seen.push(f);
        const j = job as { reader: Record<string, unknown> };
        return { ...j, reader: { plugin: 'mysql', password: 'pa${ss}', ...j.reader, datasource: undefined } };
      },
    });
    expect(seen).toEqual([file]);
    expect(p.baseDir).toBe(dir);
    expect(p.job).toMatchObject({ reader: { plugin: 'mysql', password: 'pa${ss}', table: 't_20240620', where: 'd = 20240619' } });
  });

  it('names the file in a placeholder error', async () => {
    const file = join(dir, 'job.json');
    writeFileSync(file, JSON.stringify({ reader: { plugin: 'generate', rows: '${n}' }, writer: { plugin: 'null' } }));
    await expect(prepareJob(file)).rejects.toThrow(`${file}: unfilled placeholder \${n} (in reader.rows)`);
  });
});
