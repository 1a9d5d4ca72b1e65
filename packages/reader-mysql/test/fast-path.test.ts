/**
 * The reader's speed rests on replacing mysql2's private row parser
 * (`_rowParser`): mysql2 is pinned to the minor version whose internals that
 * patch fits. If an upgrade stops calling our parser, reads still work (the
 * portable path), only slower: this test is what notices.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parserUse } from '../dist/query-stream.js';
import { available, createDb, readAll, warnIfSkipped, type TestDb } from './helpers.js';

warnIfSkipped('fast-path.test.ts');

describe.skipIf(!available)('the mysql2 fast path', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createDb();
    await db.exec('CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))');
    await db.exec(`INSERT INTO t VALUES ${Array.from({ length: 100 }, (_, i) => `(${i}, 'n${i}')`).join(',')}`);
  });
  afterAll(async () => db?.drop());

  it('parses every row with our parser on the pinned mysql2', async () => {
    const before = { ...parserUse };
    const r = await readAll({ url: db.url, table: 't' });
    expect(r.batches.reduce((n, b) => n + b.numRows, 0)).toBe(100);
    expect(parserUse.fast - before.fast).toBe(100);
    expect(parserUse.portable - before.portable).toBe(0);
  });

  it('runs against the mysql2 minor version the package pins', () => {
    const require = createRequire(new URL('../package.json', import.meta.url));
    const installed = (JSON.parse(readFileSync(require.resolve('mysql2/package.json'), 'utf8')) as { version: string }).version;
    const workspace = readFileSync(new URL('../../../pnpm-workspace.yaml', import.meta.url), 'utf8');
    const pinned = /^\s*mysql2:\s*~(\d+\.\d+)\.\d+\s*$/m.exec(workspace)?.[1];
    expect(pinned, 'pnpm-workspace.yaml pins mysql2 with ~x.y.z').toBeDefined();
    expect(installed.split('.').slice(0, 2).join('.')).toBe(pinned);
  });
});
