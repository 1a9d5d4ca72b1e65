// `ferry table ...` end to end through the real CLI (moved from packages/writer-table: no package test spawns the CLI).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('ferry-table-cli-'));
});
afterEach(() => cleanup());

function ferry(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, FERRY_STORE: join(dir, 'store') } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const TUTORIAL = `CREATE TABLE IF NOT EXISTS ods_raw_log_d
(
 col STRING
) 
PARTITIONED BY
(
 dt STRING
)
LIFECYCLE 7;`;

describe('ferry table', () => {
  it('creates the tutorial table from --sql and from a file, idempotently', () => {
    expect(ferry('table', 'create', '--sql', TUTORIAL)).toMatchObject({ code: 0, stdout: 'created table default.ods_raw_log_d\n' });
    writeFileSync(join(dir, 't.sql'), TUTORIAL);
    expect(ferry('table', 'create', 't.sql')).toMatchObject({ code: 0, stdout: 'table default.ods_raw_log_d already exists (IF NOT EXISTS)\n' });
    expect(ferry('table', 'list').stdout).toMatch(/^table\s+partitions\s+rows\s+size\s+lifecycle\s+comment\nods_raw_log_d\s+0\s+0\s+0 B\s+7d\n$/);
    expect(ferry('table', 'describe', 'ods_raw_log_d').stdout).toContain('partitioned by: dt STRING\nlifecycle: 7 days\n');
  });

  it('prints broken DDL as one line naming line and column, exit 2', () => {
    const r = ferry('table', 'create', '--sql', 'CREATE TABLE t (\n  a STRING,\n  b\n)');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("ferry: DDL error at line 4, column 1: expected a column type, got ')'\n");
  });

  it('read-only commands on a folder without a store say so and create nothing (issue 9 item 18)', () => {
    for (const args of [
      ['table', 'list'],
      ['table', 'count', 'x'],
      ['table', 'describe', 'x'],
      ['table', 'partitions', 'x'],
      ['table', 'gc'],
    ]) {
      const r = ferry(...args, '--store', join(dir, 'typo'));
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(`ferry: no store in ${join(dir, 'typo')} (no store.mdb there); check --store / FERRY_STORE, or create a table there first with \`ferry table create\`\n`);
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  it('refuses names longer than 128 characters in one line (issue 9 item 9)', () => {
    ferry('table', 'create', '--sql', 'CREATE TABLE t (a INT)');
    const long = 'x'.repeat(2000);
    const create = ferry('table', 'create', '--sql', `CREATE TABLE ${long} (a INT)`);
    expect(create.code).toBe(2);
    expect(create.stderr).toBe(`ferry: table name "${'x'.repeat(32)}"... is 2000 characters long; at most 128 are allowed\n`);
    const count = ferry('table', 'count', long);
    expect(count.stderr).toBe(`ferry: table name "${'x'.repeat(32)}"... is 2000 characters long; at most 128 are allowed\n`);
    const project = ferry('table', 'list', '--project', 'p'.repeat(5000));
    expect(project.code).toBe(2);
    expect(project.stderr).toBe('ferry: --project is 5000 characters long; at most 128 are allowed\n');
  });

  it('names the table, project and store when a table is missing', () => {
    ferry('table', 'create', '--sql', 'CREATE TABLE other (a INT)');
    const r = ferry('table', 'count', 'nope', '--project', 'prod');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ferry: table nope does not exist in project prod of store ${join(dir, 'store')} (the project has no tables; create it with \`ferry table create\`)\n`);
  });

  it('runs a generate job into a partition, then counts, heads, exports and gcs it', { timeout: 240_000 }, () => {
    ferry('table', 'create', '--sql', "CREATE TABLE gen (id BIGINT, name STRING COMMENT 'n', score DOUBLE, at TIMESTAMP) PARTITIONED BY (dt STRING) LIFECYCLE 7");
    writeFileSync(
      join(dir, 'job.json'),
      JSON.stringify({
        reader: { plugin: 'generate', rows: 50_000, nullEvery: 7 },
        writer: { plugin: 'table', table: 'gen', partition: 'dt=${bizdate}', writeMode: 'overwrite' },
        setting: { channel: 2 },
      }),
    );
    const run = ferry('run', 'job.json', '--bizdate', '20240620', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', recordsWritten: 50_000, commit: { partition: 'dt=20240620', rowsWritten: 50_000 } });
    expect(ferry('run', 'job.json', '--bizdate', '20240621', '--json').code).toBe(0);
    expect(ferry('table', 'count', 'gen').stdout).toBe('100000\n');
    expect(ferry('table', 'count', 'gen', '--partition', 'dt=20240621').stdout).toBe('50000\n');
    expect(ferry('table', 'partitions', 'gen').stdout).toMatch(/^partition\s+rows.*\ndt=20240620\s+50000\s.*\ndt=20240621\s+50000\s/);
    const head = ferry('table', 'head', 'gen', '-n', '2', '--partition', 'dt=20240620').stdout.split('\n');
    expect(head[0]).toMatch(/^id\s+\| name\s+\| score\s+\| at\s+\| dt$/);
    expect(head).toHaveLength(5);

    const jsonl = ferry('table', 'export', 'gen', '--partition', 'dt=20240620', '--format', 'jsonl').stdout.trim().split('\n');
    expect(jsonl).toHaveLength(50_000);
    const ids = jsonl.map((l) => JSON.parse(l).id).sort((a, b) => a - b);
    expect(ids[0]).toBe(1);
    expect(ids[49_999]).toBe(50_000);
    expect(JSON.parse(jsonl[0]!)).toHaveProperty('dt', '20240620');

    expect(ferry('table', 'export', 'gen', '--format', 'csv', '-o', 'out.csv').code).toBe(0);
    const csv = readFileSync(join(dir, 'out.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe('id,name,score,at,dt');
    expect(csv).toHaveLength(100_002);

    const day = 86_400_000;
    expect(ferry('table', 'gc', '--now', new Date(Date.now() + 6 * day).toISOString()).stdout).toBe('dropped 0 partition(s)\n');
    expect(ferry('table', 'count', 'gen').stdout).toBe('100000\n');
    const gc = ferry('table', 'gc', '--now', new Date(Date.now() + 8 * day).toISOString());
    expect(gc.stdout).toContain('dropped default.gen dt=20240620 (50000 rows');
    expect(gc.stdout).toContain('dropped 2 partition(s)\n');
    expect(ferry('table', 'count', 'gen').stdout).toBe('0\n');
    expect(ferry('table', 'drop', 'gen').stdout).toBe('dropped table default.gen\n');
  });
});
