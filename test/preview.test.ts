/** `ferry preview`: the first rows converted as they would be stored, bad ones marked with their line; nothing written. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

describe('ferry preview', () => {
  const tmp = tempDir('ferry-preview-');
  const store = join(tmp.dir, 'store');
  const job = join(tmp.dir, 'events.json');
  beforeAll(async () => {
    const ddl = await runCli(['table', 'create', '--store', store, '--sql', 'CREATE TABLE events (id BIGINT, at DATETIME, day DATE, note STRING) PARTITIONED BY (dt STRING)']);
    expect(ddl.code, ddl.stderr).toBe(0);
    writeFileSync(
      join(tmp.dir, 'events.csv'),
      [
        'id,at,day,note',
        '1,2024-03-04 05:06:07,2024-03-04,ok',
        '2,2024-03-04 25:00:00,2024-03-04,bad hour',
        '3,2024-03-05 00:00:00,2024-02-30,bad day',
        '4,2024-03-06 12:30:00,\\N,null day',
        '5,2024-03-07 01:02:03,2024-03-07,five',
        '',
      ].join('\n'),
    );
    writeFileSync(
      job,
      JSON.stringify({
        reader: {
          plugin: 'file',
          path: 'events.csv',
          format: 'csv',
          skipHeader: true,
          nullFormat: '\\N',
          columns: [{ index: 0, type: 'long' }, { index: 1, type: 'datetime', format: 'yyyy-MM-dd HH:mm:ss' }, { index: 2, type: 'date' }, { index: 3 }],
        },
        writer: { plugin: 'table', table: 'events', partition: 'dt=${bizdate}' },
      }),
    );
  });
  afterAll(() => tmp.cleanup());

  it('shows rows as stored and bad dates as dirty with their line numbers', async () => {
    const r = await runCli(['preview', job, '--store', store, '--bizdate', '20240301', '-n', '4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const file = join(tmp.dir, 'events.csv');
    expect(rows).toEqual([
      { source: { file, line: 2 }, values: ['1', '2024-03-04 05:06:07', '2024-03-04', 'ok'] },
      { source: { file, line: 3 }, dirty: { reason: 'column col1: "2024-03-04 25:00:00" is not a date in layout yyyy-MM-dd HH:mm:ss', record: '2,2024-03-04 25:00:00,2024-03-04,bad hour' } },
      { source: { file, line: 4 }, dirty: { reason: expect.stringMatching(/^day: "2024-02-30"/), record: { col0: '3', col1: '2024-03-05 00:00:00', col2: '2024-02-30', col3: 'bad day' } } },
      { source: { file, line: 5 }, values: ['4', '2024-03-06 12:30:00', null, 'null day'] },
    ]);
    const text = await runCli(['preview', job, '--store', store, '--bizdate', '20240301']);
    expect(text.stdout).toContain('5 row(s) of');
    expect(text.stdout).toMatch(/events\.csv:3 +DIRTY column col1: "2024-03-04 25:00:00"/);
    // Nothing written: no run folder, no partition.
    expect(existsSync(join(store, 'runs'))).toBe(false);
    const parts = await runCli(['table', 'partitions', 'events', '--store', store]);
    expect(parts.stdout.trim()).toBe('no partitions');
  });
});
