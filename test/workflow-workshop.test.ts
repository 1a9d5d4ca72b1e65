/**
 * The workshop example (examples/workshop) end to end in dev: the mock OSS
 * (HTTP server with user_log.txt) and mock RDS (ods_user_info_d in the real
 * MariaDB, in a database of this test's own), the tutorial DDL in dev and
 * prod, `ferry workflow run WorkShop --env dev`, counts per partition; prod
 * stays untouched; the "Process data" SQL nodes' user profile equals one
 * computed in the test from the generated data. Without MariaDB the MySQL
 * half is skipped, loudly.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';
// @ts-expect-error plain ESM example without types
import { dropDatabase, loadUserInfo, startLogServer, userInfo, userLog } from '../examples/workshop/mock-data.mjs';

const LINES = 3000;
const USERS = 500;
const DB = `ferry_workshop_${process.pid}`;
const DEV = 'workshop2024_01_dev';
const PROD = 'workshop2024_01';

let dir: string;
let cleanup: () => void;
let server: { url: string; close: () => Promise<void> };
let mysqlWhy: string | undefined;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ferry-workshop-test-'));
  cpSync(join(ROOT, 'examples', 'workshop'), dir, { recursive: true, filter: (src: string) => !src.includes('.ferry') });
  server = await startLogServer({ port: 0, lines: LINES, users: USERS });
  try {
    await loadUserInfo({ database: DB, users: USERS });
  } catch (err) {
    mysqlWhy = `MariaDB at 127.0.0.1:3306 unavailable (${(err as Error).message})`;
    console.warn(`SKIPPING the MySQL half of the workshop test: ${mysqlWhy}`);
  }
  // Point the example at this test's server port and database.
  const yaml = join(dir, 'ferry.yaml');
  writeFileSync(yaml, readFileSync(yaml, 'utf8').replaceAll('http://127.0.0.1:8080/', server.url).replaceAll('3306/ferry_workshop"', `3306/${DB}"`));
  for (const project of [DEV, PROD]) {
    for (const ddl of ['ddl/ods_raw_log_d.sql', 'ddl/ods_user_info_d.sql']) {
      const r = await runCli(['table', 'create', ddl, '--store', '.ferry', '--project', project], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
    }
  }
});

afterAll(async () => {
  await server?.close();
  if (!mysqlWhy) await dropDatabase({ database: DB }).catch(() => {});
  cleanup();
});

/** The workshop's IP ranges (examples/workshop/sql/dim_ip_region.sql) by first octet. */
const REGIONS: [number, string][] = [
  [29, 'beijing'],
  [59, 'shanghai'],
  [89, 'zhejiang'],
  [119, 'guangdong'],
  [149, 'jiangsu'],
  [179, 'sichuan'],
  [223, 'hubei'],
];
const DEVICES: [string, string][] = [
  ['android', 'android'],
  ['iphone', 'iphone'],
  ['ipad', 'ipad'],
  ['macintosh', 'macintosh'],
  ['windows phone', 'windows_phone'],
  ['windows', 'windows_pc'],
];
const max = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

/** ads_user_info_1d for the mock data, computed from the generated lines and users (not with SQL). */
function expectedProfile(): Record<string, unknown>[] {
  const users = new Map((userInfo({ users: USERS }) as string[][]).map(([uid, gender, age, zodiac]) => [uid!, { gender: gender!, age_range: age!, zodiac: zodiac! }]));
  const byUid = new Map<string, { region: string | null; device: string | null; pv: number }>();
  for (const line of (userLog({ lines: LINES, users: USERS }) as string).split('\n').filter(Boolean)) {
    const uid = line.split(' ')[2]!;
    const octet = Number(line.split('.')[0]);
    const region = REGIONS.find(([last]) => octet <= last)?.[1] ?? null;
    const agent = line.split('"')[5]!.toLowerCase();
    const device = DEVICES.find(([word]) => agent.includes(word))?.[1] ?? 'unknown';
    const e = byUid.get(uid) ?? { region: null, device: null, pv: 0 };
    byUid.set(uid, { region: max(e.region, region), device: max(e.device, device), pv: e.pv + 1 });
  }
  return [...byUid.keys()].sort().map((uid) => {
    const e = byUid.get(uid)!;
    const u = users.get(uid);
    return { uid, region: e.region, device: e.device, pv: e.pv, gender: u?.gender ?? null, age_range: u?.age_range ?? null, zodiac: u?.zodiac ?? null };
  });
}

const count = async (project: string, table: string, partition?: string) => {
  const r = await runCli(['table', 'count', table, ...(partition ? ['--partition', partition] : []), '--store', '.ferry', '--project', project], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return Number(r.stdout.trim());
};

describe('the workshop example', () => {
  it('passes the connectivity test of its data sources in dev', async () => {
    const http = await runCli(['datasource', 'test', 'user_behavior_analysis_httpfile', '--env', 'dev'], { cwd: dir });
    expect(http.code, http.stdout + http.stderr).toBe(0);
    expect(http.stdout).toMatch(/^ok\s+user_behavior_analysis_httpfile \(httpfile, dev\)/);
  });

  it('passes the connectivity test of its MySQL data source in dev', async (ctx) => {
    if (mysqlWhy) {
      console.warn(`SKIPPED the MySQL connectivity test: ${mysqlWhy}`);
      ctx.skip();
    }
    const db = await runCli(['datasource', 'test', 'user_behavior_analysis_mysql', '--env', 'dev'], { cwd: dir });
    expect(db.code, db.stdout + db.stderr).toBe(0);
    expect(db.stdout).toMatch(/^ok\s+user_behavior_analysis_mysql \(mysql, dev\)\s+\d+ ms\s+connected to 127\.0\.0\.1:3306 as root/);
  });

  it('runs WorkShop for 20240620 in dev: both partitions filled, prod untouched', async (ctx) => {
    const nodes = mysqlWhy ? ['--node', 'workshop_start', '--node', 'ods_raw_log_d'] : [];
    const run = await runCli(['workflow', 'run', 'WorkShop', '--bizdate', '20240620', '--env', 'dev', ...nodes], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('WorkShop  bizdate 20240620  env dev  T 20240621001500');
    expect(await count(DEV, 'ods_raw_log_d', 'dt=20240620')).toBe(LINES);
    // The whole line lands in col, as the tutorial's ods_raw_log_d.
    const head = await runCli(['table', 'export', 'ods_raw_log_d', '--partition', 'dt=20240620', '--format', 'jsonl', '--limit', '1', '--store', '.ferry', '--project', DEV], { cwd: dir });
    expect(JSON.parse(head.stdout.split('\n')[0]!).col).toMatch(
      /^\d+\.\d+\.\d+\.\d+ - \S+ \[20\/Jun\/2024:00:00:00 \+0800\] "(GET|POST) \S+ HTTP\/1\.1" \d{3} \d+"[^"]*" "[^"]*" \[unknown_content\];$/,
    );
    for (const t of ['ods_raw_log_d', 'ods_user_info_d']) expect(await count(PROD, t)).toBe(0);
    if (mysqlWhy) {
      console.warn(`SKIPPED ods_user_info_d: ${mysqlWhy}`);
      ctx.skip();
    }
    expect(await count(DEV, 'ods_user_info_d', 'dt=20240620')).toBe(USERS);
    const status = await runCli(['workflow', 'status', 'WorkShop', '--json'], { cwd: dir });
    const inst = JSON.parse(status.stdout);
    expect(Object.fromEntries(Object.entries(inst.nodes).map(([k, v]) => [k, [(v as { state: string }).state, (v as { rows: number }).rows]]))).toEqual({
      workshop_start: ['succeeded', 0],
      ods_raw_log_d: ['succeeded', LINES],
      ods_user_info_d: ['succeeded', USERS],
      dim_ip_region: ['succeeded', 7],
      dwd_log_info_di: ['succeeded', LINES],
      dws_user_info_all_di: ['succeeded', LINES],
      ads_user_info_1d: ['succeeded', expectedProfile().length],
    });
  });

  it('processes the day through ods -> dwd -> dws -> ads: the user profile matches one computed here from the mock data', async (ctx) => {
    if (mysqlWhy) {
      console.warn(`SKIPPED the processing check (ods_user_info_d comes from MariaDB): ${mysqlWhy}`);
      ctx.skip();
    }
    const r = await runCli(
      ['sql', 'select uid, region, device, pv, gender, age_range, zodiac from ads_user_info_1d where dt=20240620 order by uid', '--format', 'jsonl', '--store', '.ferry', '--project', DEV],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const got = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(got).toEqual(expectedProfile());
    // A few rows of dwd_log_info_di, field by field.
    const dwd = await runCli(
      ['sql', "select ip, uid, status, method, url, protocol, referer from dwd_log_info_di where dt='20240620' limit 1", '--format', 'jsonl', '--store', '.ferry', '--project', DEV],
      { cwd: dir },
    );
    const row = JSON.parse(dwd.stdout.trim());
    const line = (userLog({ lines: LINES, users: USERS }) as string).split('\n').find((l) => l.startsWith(`${row.ip} `))!;
    const [, request, tail, referer] = line.split('"');
    expect(row).toEqual({
      ip: line.split(' ')[0],
      uid: line.split(' ')[2],
      status: tail!.trim().split(' ')[0],
      method: `${request!.split(' ')[0]} `,
      url: request!.split(' ').slice(1, -1).join(' '),
      protocol: request!.split(' ').at(-1),
      referer: referer === '-' ? null : new URL(referer!).host,
    });
  });
});
