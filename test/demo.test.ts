/**
 * `pnpm demo` (examples/demo.mjs) as a new user reads it: it says the temp
 * workspace and its logs go away (and how to keep them) before it prints a
 * log path, says which MariaDB table it drops and recreates before doing
 * so, explains the instance's `T`, and stamps log lines in the workspace's
 * zone like the status table. Without MariaDB the demo runs its log half.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ROOT, runCli } from './helpers.js';
// @ts-expect-error plain ESM example without types
import { dropDatabase } from '../examples/workshop/mock-data.mjs';

const DB = `ferry_demo_${process.pid}`;

afterAll(async () => {
  await dropDatabase({ database: DB }).catch(() => {});
});

describe('pnpm demo', () => {
  it('warns before deleting or dropping anything, explains T, and logs in the workspace zone', async () => {
    const r = await runCli([], { script: join(ROOT, 'examples/demo.mjs'), env: { DEMO_LINES: '2000', DEMO_USERS: '200', DEMO_MYSQL_DB: DB } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = r.stdout;
    const firstLogPath = out.search(/\.log\b/);
    expect(firstLogPath).toBeGreaterThan(0);
    expect(out.indexOf('pnpm demo --keep')).toBeGreaterThan(-1);
    expect(out.indexOf('pnpm demo --keep')).toBeLessThan(firstLogPath);
    const announce = out.indexOf(`(re)creating table ${DB}.ods_user_info_d in MariaDB`);
    expect(announce).toBeGreaterThan(-1);
    expect(announce).toBeLessThan(out.indexOf('mock RDS: MariaDB') === -1 ? out.indexOf('mock RDS: SKIPPED') : out.indexOf('mock RDS: MariaDB'));
    expect(out).toContain("T 20240621001500 is the instance's scheduled time");
    // Log lines of the workflow run carry the workspace offset, as the status table's times do.
    expect(out).toMatch(/2\d{3}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+08:00 INFO WorkShop\.workshop_start/);
    expect(out).not.toMatch(/\dZ INFO /);
  }, 240_000);
});
