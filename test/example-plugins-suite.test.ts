/** The two example plugins of docs/plugins.md run the shared plugin suite, as a third-party plugin would. */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testReader, testWriter } from '@ferry/core/testing';
import type { ReaderPlugin, WriterPlugin } from '@ferry/core';
import { ROOT } from './helpers.js';

const lines = (await import(join(ROOT, 'examples/plugins/lines-reader.mjs'))).default as ReaderPlugin;
const jsonl = (await import(join(ROOT, 'examples/plugins/jsonl-writer.mjs'))).default as WriterPlugin;

const dir = mkdtempSync(join(tmpdir(), 'ferry-example-suite-'));
writeFileSync(join(dir, 'a.txt'), Array.from({ length: 120 }, (_, i) => `line ${i}`).join('\n') + '\n');
writeFileSync(join(dir, 'b.txt'), 'one\ntwo\n');
writeFileSync(join(dir, 'empty.txt'), '');

testReader({
  plugin: lines,
  config: () => ({ files: ['a.txt', 'b.txt'], batchRows: 10 }),
  empty: () => ({ files: ['empty.txt'] }),
  failing: () => ({ files: ['missing.txt'] }),
  context: { baseDir: dir },
});

const COLUMNS = [
  { name: 'id', type: 'bigint' },
  { name: 'name', type: 'string' },
  { name: 'score', type: 'double' },
  { name: 'at', type: 'timestamp' },
];
let n = 0;
testWriter({
  plugin: jsonl,
  config: () => ({ path: join(dir, `out-${n++}.jsonl`), columns: COLUMNS }),
  columns: COLUMNS,
  readBack: async (config) => {
    const path = (config as { path: string }).path;
    if (!existsSync(path)) return undefined;
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  },
  failing: () => ({ path: join(dir, 'a.txt', 'out.jsonl'), columns: COLUMNS }), // a.txt is a file: no folder can be made under it
  context: { baseDir: dir },
});
