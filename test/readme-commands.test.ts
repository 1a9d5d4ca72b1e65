/**
 * The README's shell blocks, pasted into bash as a new user would: putting
 * `ferry` on the PATH (from the repository root), the sync job and the table
 * store walkthrough (in an empty folder). Read from README.md itself, so the
 * test fails when the README drifts. The install block, `pnpm demo` and the
 * workshop steps have tests of their own (demo.test.ts, readme-workshop.test.ts);
 * the DataX block needs a DataX job and its MySQL database
 * (datax-import.test.ts runs those commands on fixtures).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runBash, tempDir } from './helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
const { dir, cleanup } = tempDir('ferry-readme-cmds-');
afterAll(() => cleanup());

describe('README shell blocks', () => {
  it('work when pasted, in order', async () => {
    const path = blocks.find((b) => b.includes('export PATH='));
    const rest = blocks.filter((b) => b !== path && !/pnpm (install|demo)|^node mock-data|import datax/m.test(b));
    expect(path, 'README block that puts ferry on the PATH').toBeDefined();
    expect(rest.some((b) => b.includes('ferry run job.json'))).toBe(true);
    expect(rest.some((b) => b.includes('ferry table create'))).toBe(true);
    const script = [`cd ${JSON.stringify(ROOT)}`, path, `cd ${JSON.stringify(dir)}`, ...rest].join('\n');
    const env = { ...process.env };
    delete env.FERRY_STORE;
    const r = await runBash(script, { env });
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^0\.\d+\.\d+$/m); // ferry --version
    expect(r.stdout).toMatch(/^Records read +: 1,000,000$/m);
    expect(r.stdout).toMatch(/^1000$/m); // table count of the loaded partition
    expect(r.stdout).toContain('dropped table default.ods_raw_log_d');
  }, 300_000);
});
