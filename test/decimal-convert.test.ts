/**
 * Columns of the same kind but another size (DECIMAL precision and scale,
 * integer width and sign, VARCHAR length) are cast value by value from the
 * real MariaDB into a real store: widening is exact, narrowing writes what
 * fits and makes the rest dirty records, never a failed job.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, sql } from './mariadb.js';
import { runCli, tempDir } from './helpers.js';

let db: { name: string; drop: () => void };
let dir: string;
let cleanup: () => void;

beforeAll(() => {
  db = createDatabase('ferry_test_decimal_');
  ({ dir, cleanup } = tempDir('ferry-decimal-'));
  sql(
    `CREATE TABLE src (id INT NOT NULL PRIMARY KEY, d DECIMAL(10,2), u INT UNSIGNED, s VARCHAR(20));
     INSERT INTO src VALUES (1, 12.34, 7, 'short'), (2, -99.99, 2147483647, 'abcd'), (3, 123.45, 2147483648, 'much too long'), (4, NULL, NULL, NULL), (5, 0.05, 0, '');`,
    db.name,
  );
});

afterAll(() => {
  db?.drop();
  cleanup?.();
});

async function sync(table: string, ddl: string) {
  const store = join(dir, 'store');
  const created = await runCli(['table', 'create', '--store', store, '--sql', `CREATE TABLE ${table} (${ddl});`]);
  expect(created.code, created.stderr).toBe(0);
  const job = join(dir, `${table}.json`);
  const reader = { plugin: 'mysql', url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'src', columns: ['id', 'd', 'u', 's'] };
  await import('node:fs').then((fs) => fs.writeFileSync(job, JSON.stringify({ reader, writer: { plugin: 'table', table }, setting: { errorLimit: { records: 10 } } })));
  const run = await runCli(['run', job, '--store', store, '--json']);
  const result = JSON.parse(run.stdout) as { status: string; recordsWritten: number; dirtyRecords: number; dirtyFile?: string; error?: { message: string } };
  const out = join(dir, `${table}.jsonl`);
  const exported = await runCli(['table', 'export', table, '--store', store, '--format', 'jsonl', '-o', out]);
  expect(exported.code, exported.stderr).toBe(0);
  const rows = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  rows.sort((a, b) => Number(a.id) - Number(b.id));
  const dirty = result.dirtyFile
    ? readFileSync(result.dirtyFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { reason: string })
    : [];
  return { result, rows, dirty: dirty.map((d) => d.reason).sort() };
}

describe('casts between sizes of one type', () => {
  it('widening DECIMAL, INT and VARCHAR writes every value exactly', async () => {
    const { result, rows } = await sync('wide', 'id BIGINT, d DECIMAL(12,3), u BIGINT, s VARCHAR(40)');
    expect(result.status, result.error?.message).toBe('succeeded');
    expect(result.dirtyRecords).toBe(0);
    expect(rows.map((r) => r.d)).toEqual(['12.340', '-99.990', '123.450', null, '0.050']);
    expect(rows.map((r) => r.u)).toEqual([7, 2147483647, 2147483648, null, 0]);
  });

  it('narrowing writes the values that fit and makes the others dirty records', async () => {
    const { result, rows, dirty } = await sync('narrow', 'id BIGINT, d DECIMAL(4,2), u INT, s VARCHAR(5)');
    expect(result.status, result.error?.message).toBe('succeeded');
    expect(result.recordsWritten).toBe(4);
    expect(rows.map((r) => [r.id, r.d, r.u, r.s])).toEqual([
      [1, '12.34', 7, 'short'],
      [2, '-99.99', 2147483647, 'abcd'],
      [4, null, null, null],
      [5, '0.05', 0, ''],
    ]);
    expect(dirty).toEqual(['d: "123.45" does not fit DECIMAL(4,2)']);
  });

  it('a smaller scale rounds half away from zero, as MySQL does', async () => {
    const { result, rows } = await sync('scale1', 'id BIGINT, d DECIMAL(11,1), u BIGINT, s STRING');
    expect(result.status, result.error?.message).toBe('succeeded');
    expect(rows.map((r) => r.d)).toEqual(['12.3', '-100.0', '123.5', null, '0.1']);
  });
});
