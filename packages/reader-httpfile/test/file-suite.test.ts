/** The file reader runs the shared plugin suite against real local files (byte-range splits included). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { testReader } from '@ferry/core/testing';
import plugin from '@ferry/reader-httpfile/file';

const dir = mkdtempSync(join(tmpdir(), 'ferry-file-suite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'rows.txt'), Array.from({ length: 3000 }, (_, i) => `${i},name ${i},${i / 4},2024-06-${String((i % 28) + 1).padStart(2, '0')}`).join('\n') + '\n');
writeFileSync(join(dir, 'empty.txt'), '');
writeFileSync(join(dir, 'nulls.csv'), '1,a,1.5,2024-06-01,true,2024-06-01 10:00:00\n\\N,\\N,\\N,\\N,\\N,\\N\n');

const typed = [
  { index: 0, type: 'bigint' },
  { index: 1, type: 'string' },
  { index: 2, type: 'double' },
  { index: 3, type: 'date' },
] as const;

testReader({
  plugin,
  context: { baseDir: dir },
  config: () => ({ path: 'rows.txt', columns: typed, splitSize: 16 * 1024, batchBytes: 4096 }),
  empty: () => ({ path: 'empty.txt', columns: typed }),
  nulls: () => ({ path: 'nulls.csv', format: 'csv', nullFormat: '\\N', columns: [...typed, { index: 4, type: 'boolean' }, { index: 5, type: 'datetime' }] }),
  failing: () => ({ path: 'no-such-file.txt' }),
});
