/**
 * The README's shell blocks, pasted into bash as a new user would: putting
 * `ferry` on the PATH (from the repository root), the sync job and the table
 * store walkthrough (in an empty folder). Read from README.md itself, so the
 * test fails when the README drifts. The install block, `pnpm demo` and the
 * workshop steps have tests of their own (demo.test.ts, readme-workshop.test.ts);
 * the DataX block needs a DataX job and its MySQL database
 * (datax-import.test.ts runs those commands on fixtures). docs/sql.md's
 * blocks (the getregion function, the errorLimit node) run here too.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runBash, runCli, tempDir } from './helpers.js';

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

describe('docs/sql.md blocks', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'sql.md'), 'utf8');
  const block = (lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

  it('the getregion function runs with ferry sql --write over the workshop IP table', async () => {
    const [fn] = block('sql');
    expect(fn).toMatch(/CREATE OR REPLACE FUNCTION getregion\(ip\)/);
    const d = join(dir, 'sqldoc');
    mkdirSync(d);
    writeFileSync(join(d, 'getregion.sql'), fn!);
    const steps: string[][] = [
      ['table', 'create', '--sql', 'CREATE TABLE IF NOT EXISTS dim_ip_region (ip_start BIGINT, ip_end BIGINT, region STRING)'],
      ['sql', '--write', '--file', join(ROOT, 'examples', 'workshop', 'sql', 'dim_ip_region.sql')],
      ['sql', '--write', '--file', 'getregion.sql'],
    ];
    for (const args of steps) {
      const r = await runCli(args, { cwd: d });
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    const q = await runCli(['sql', "select getregion('60.1.2.3') as a, getregion('1.0.0.1') as b, getregion('250.1.1.1') as c", '--format', 'jsonl'], { cwd: d });
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual({ a: 'zhejiang', b: 'beijing', c: null });
  }, 120_000);

  it('the errorLimit node, pasted over the workshop one, keeps its dependencies (getregion needs dim_ip_region first)', async () => {
    const [node] = block('yaml');
    expect(node).toMatch(/errorLimit: 100/);
    const d = join(dir, 'errlimit');
    cpSync(join(ROOT, 'examples', 'workshop'), d, { recursive: true, filter: (src: string) => !src.includes('.ferry') });
    const yaml = join(d, 'ferry.yaml');
    const text = readFileSync(yaml, 'utf8');
    const line = /^ +dwd_log_info_di: .*$/m.exec(text)![0];
    writeFileSync(yaml, text.replace(line, `      ${node!.trim()}`));
    const r = await runCli(['workflow', 'lineage', 'WorkShop'], { cwd: d });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^dwd_log_info_di: sql; reads ods_raw_log_d; writes dwd_log_info_di; after dim_ip_region, ods_raw_log_d \(lineage\)$/m);
  });
});
