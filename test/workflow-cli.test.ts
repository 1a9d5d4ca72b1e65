/**
 * `ferry workflow` and `ferry datasource` through the real CLI, in separate
 * processes: exit codes, state read back by another process, an instance
 * whose process was killed shown as interrupted and rerun.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
let server: Server;
let port: number;

const genJob = (rows: number, partition: string, records = 0) => ({
  reader: { plugin: 'generate', rows, columns: [{ name: 'id', type: 'bigint' }], batchRows: 500 },
  writer: { plugin: 'table', table: 't', partition },
  setting: { channel: 1, ...(records ? { speed: { records } } : {}) },
});

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ferry-wf-cli-'));
  server = createServer((req, res) => void (req.url === '/ok.txt' || req.url === '/' ? res.writeHead(200, { 'content-length': 3 }).end('ok\n') : res.writeHead(404).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  mkdirSync(join(dir, 'jobs'));
  writeFileSync(join(dir, 'jobs', 'ok.json'), JSON.stringify(genJob(50, 'dt=${bizdate}')));
  writeFileSync(join(dir, 'jobs', 'bad.json'), JSON.stringify({ reader: { plugin: 'generate', rows: 1, columns: [{ name: 'id', type: 'nope' }] }, writer: { plugin: 'null' } }));
  writeFileSync(join(dir, 'jobs', 'paced.json'), JSON.stringify(genJob(3000, 'dt=paced_${bizdate}', 1500)));
  writeFileSync(join(dir, 'jobs', 'slow.json'), JSON.stringify(genJob(1_000_000, 'dt=slow_${bizdate}', 2000)));
  writeFileSync(
    join(dir, 'ferry.yaml'),
    `name: cli
timezone: Asia/Shanghai
environments:
  dev: { project: p_dev }
  prod: { project: p_prod }
datasources:
  up: { type: httpfile, dev: { url: "http://127.0.0.1:${port}/" } }
  down: { type: httpfile, dev: { url: "http://127.0.0.1:1/" } }
workflows:
  Good:
    schedule: { cron: "15 0 * * *" }
    nodes:
      start: { type: virtual }
      load: { type: sync, job: jobs/ok.json, depends: [start] }
  Bad:
    nodes:
      start: { type: virtual }
      broken: { type: sync, job: jobs/bad.json, depends: [start] }
      after: { type: sync, job: jobs/ok.json, depends: [broken] }
  Slow:
    nodes:
      slow: { type: sync, job: jobs/slow.json }
  Paced:
    nodes:
      paced: { type: sync, job: jobs/paced.json }
`,
  );
  const ddl = await runCli(['table', 'create', '--store', join(dir, '.ferry'), '--project', 'p_dev', '--sql', 'CREATE TABLE t (id BIGINT) PARTITIONED BY (dt STRING);']);
  expect(ddl.code, ddl.stderr).toBe(0);
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  cleanup();
});

const sub = join('jobs'); // commands run from a subfolder: the workspace is found above it

describe('ferry workflow (CLI)', () => {
  it('runs a workflow, and another process reads its state, logs and counts', async () => {
    const run = await runCli(['workflow', 'run', 'Good', '--bizdate', '20240620'], { cwd: join(dir, sub) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/load\s+succeeded\s+.*\s50\s+.*load\.log/);
    const status = await runCli(['workflow', 'status', 'Good', '--bizdate', '20240620', '--json'], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    const inst = JSON.parse(status.stdout);
    expect(inst).toMatchObject({ env: 'dev', workflow: 'Good', bizdate: '20240620', cyctime: '20240621001500' });
    expect(inst.nodes.load).toMatchObject({ state: 'succeeded', rows: 50 });
    expect(Date.parse(inst.nodes.load.endedAt)).toBeGreaterThanOrEqual(Date.parse(inst.nodes.load.startedAt));
    const logs = await runCli(['workflow', 'logs', 'Good', 'load', '--bizdate', '20240620'], { cwd: dir });
    expect(logs.stdout).toContain('job succeeded: 50 record(s) written');
    const count = await runCli(['table', 'count', 't', '--partition', 'dt=20240620', '--store', join(dir, '.ferry'), '--project', 'p_dev']);
    expect(count.stdout.trim()).toBe('50');
  });

  it('exits 1 when a node fails and shows its descendants not run, with why', async () => {
    const run = await runCli(['workflow', 'run', 'Bad', '--bizdate', '20240620'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/broken\s+failed/);
    expect(run.stdout).toMatch(/after\s+not run/);
    expect(run.stdout).toContain('after: upstream failed: broken failed');
    expect(run.stderr).toContain('ferry: 1 node(s) failed: ferry workflow logs Bad broken --bizdate 20240620');
  });

  it('exits 2 for an unknown environment or workflow, naming the known ones', async () => {
    const env = await runCli(['workflow', 'run', 'Good', '--bizdate', '20240620', '--env', 'qa'], { cwd: dir });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain(`unknown environment qa (environments in ${join(dir, 'ferry.yaml')}: dev, prod)`);
    const wf = await runCli(['workflow', 'status', 'Nope'], { cwd: dir });
    expect(wf.stderr).toContain('workflow Nope not found (workflows in');
  });

  it('shows a node whose process was killed as failed (interrupted), and reruns it', async () => {
    let killed = false;
    const run = runCli(['workflow', 'run', 'Slow', '--bizdate', '20240620'], {
      cwd: dir,
      onSpawn: (child) => {
        // Kill -9 once the node is recorded running, as another terminal sees it.
        // One status process at a time: on a loaded machine a timer would pile them up.
        let closed = false;
        child.on('close', () => {
          closed = true;
        });
        void (async () => {
          while (!closed && !killed) {
            const st = await runCli(['workflow', 'status', 'Slow', '--bizdate', '20240620', '--json'], { cwd: dir });
            if (!closed && st.code === 0 && JSON.parse(st.stdout).nodes.slow.state === 'running') {
              killed = true;
              child.kill('SIGKILL');
            }
            await new Promise((r) => setTimeout(r, 300));
          }
        })();
      },
    });
    const r = await run;
    expect(killed).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    const status = await runCli(['workflow', 'status', 'Slow', '--bizdate', '20240620'], { cwd: dir });
    expect(status.stdout).toMatch(/slow\s+failed/);
    expect(status.stdout).toMatch(/slow: interrupted: process \d+ on .* stopped while it ran/);
    // The rerun runs it again (rerun: always); a smaller job this time so the test ends soon.
    writeFileSync(join(dir, 'jobs', 'paced.json'), JSON.stringify(genJob(3000, 'dt=paced_${bizdate}', 1500)));
    writeFileSync(join(dir, 'jobs', 'slow.json'), JSON.stringify(genJob(20, 'dt=slow_${bizdate}')));
    const rerun = await runCli(['workflow', 'rerun', 'Slow', 'slow', '--bizdate', '20240620'], { cwd: dir });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/slow\s+succeeded\s+.*\s20\s/);
  });

  it('writes progress (records, %, bytes, rates, ETA) to the node log, the run log and the terminal while a node runs', async () => {
    // FERRY_PROGRESS_LOG_MS shortens the 10 s interval so a 2 s job shows it.
    const run = await runCli(['workflow', 'run', 'Paced', '--bizdate', '20240620'], { cwd: dir, env: { FERRY_PROGRESS_LOG_MS: '300' } });
    expect(run.code, run.stderr).toBe(0);
    const line = /progress: [\d,]+ of 3,000 records \(\d+\.\d%\), [\d.]+ (B|KiB), [\d,]+ records\/s, [\d.]+ MiB\/s, 0 dirty, splits \d\/\d+, ETA \d+ s/;
    expect(run.stderr).toMatch(new RegExp(`Paced\\.paced \\(20240620, dev\\) ${line.source}`));
    const logs = await runCli(['workflow', 'logs', 'Paced', 'paced', '--bizdate', '20240620'], { cwd: dir });
    expect(logs.stdout).toMatch(line);
    const runLog = /engine log (\S+run\.log)/.exec(logs.stdout)![1]!;
    expect(readFileSync(runLog, 'utf8')).toMatch(line);
  });

  it('backfills dates in order and prints one line per date', async () => {
    const r = await runCli(['workflow', 'backfill', 'Good', '--from', '20240101', '--to', '20240103'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('BIZDATE   RESULT\n20240101  succeeded\n20240102  succeeded\n20240103  succeeded\n');
    const started = [...r.stderr.matchAll(/backfill Good bizdate (\d+): started/g)].map((m) => m[1]);
    expect(started).toEqual(['20240101', '20240102', '20240103']);
  });

  it('takes dates as yyyymmdd or yyyy-mm-dd in backfill, run, status and rerun, --to inclusive', async () => {
    const r = await runCli(['workflow', 'backfill', 'Good', '--from', '2024-01-01', '--to', '20240102'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('BIZDATE   RESULT\n20240101  succeeded\n20240102  succeeded\n');
    const status = await runCli(['workflow', 'status', 'Good', '--bizdate', '2024-01-02'], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('bizdate 20240102');
    const bad = await runCli(['workflow', 'backfill', 'Good', '--from', '2024-0101', '--to', '20240102'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from 2024-0101: expected a date as yyyymmdd or yyyy-mm-dd');
  });
});

describe('ferry datasource (CLI)', () => {
  it('tests each data source: ok with latency, failed with why, exit 1 when any failed', async () => {
    const one = await runCli(['datasource', 'test', 'up', '--env', 'dev'], { cwd: dir });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^ok\s+up \(httpfile, dev\)\s+\d+ ms\s+http:\/\/127\.0\.0\.1:\d+\/: HTTP 200/);
    const all = await runCli(['datasource', 'test'], { cwd: dir });
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/^FAILED\s+down \(httpfile, dev\)\s+\d+ ms\s+.*127\.0\.0\.1:1/m);
    const prod = await runCli(['datasource', 'test', 'up', '--env', 'prod'], { cwd: dir });
    expect(prod.code).toBe(2);
    expect(prod.stderr).toContain('data source up has no settings for environment prod');
    const list = await runCli(['datasource', 'list'], { cwd: dir });
    expect(list.stdout).toContain('up (httpfile)\n  dev: url=http://127.0.0.1:');
  });
});

describe('sql nodes (CLI): user mistakes', () => {
  it('each fails with file:line:column on one line, no stack trace, and exit 1; a lineage cycle is exit 2 at load', async () => {
    const ws = join(dir, 'sqlws');
    mkdirSync(join(ws, 'sql'), { recursive: true });
    const files: Record<string, string> = {
      syntax: 'SELECT 1;\nSELEC count(*) FROM t;\n',
      table: "-- a comment\nSELECT count(*)\n  FROM nosuch_tbl WHERE dt = '${bizdate}';\n",
      fn: 'SELECT\n  nosuch_fn(id) FROM t;\n',
      part: "CREATE TABLE IF NOT EXISTS agg (n BIGINT) PARTITIONED BY (dt STRING);\nINSERT OVERWRITE TABLE agg PARTITION (day='${bizdate}') SELECT count(*) FROM t;\n",
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(ws, 'sql', `${name}.sql`), text);
    const nodes = Object.keys(files)
      .map((n) => `      ${n}: { type: sql, file: sql/${n}.sql }`)
      .join('\n');
    writeFileSync(join(ws, 'ferry.yaml'), `name: sqlcli\nenvironments:\n  dev: { project: p_dev }\nworkflows:\n  S:\n    nodes:\n${nodes}\n`);
    const ddl = await runCli(['table', 'create', '--sql', 'CREATE TABLE t (id BIGINT) PARTITIONED BY (dt STRING);', '--env', 'dev'], { cwd: ws });
    expect(ddl.code, ddl.stderr).toBe(0);
    const run = await runCli(['workflow', 'run', 'S', '--bizdate', '20240620'], { cwd: ws });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const why = Object.fromEntries([...run.stdout.matchAll(/^ {2}(\w+): (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(why.syntax).toMatch(/^sql\/syntax\.sql:2:1: Parser Error: syntax error at or near "SELEC"$/);
    expect(why.table).toMatch(/^sql\/table\.sql:3:8: Catalog Error: Table with name nosuch_tbl does not exist/);
    expect(why.fn).toMatch(/^sql\/fn\.sql:2:3: unknown function nosuch_fn\(\)/);
    const specColumn = 'INSERT OVERWRITE TABLE agg PARTITION ('.length + 1;
    expect(why.part).toMatch(new RegExp(`^sql/part\\.sql:2:${specColumn}: partition "day='20240620'" does not match table p_dev\\.agg, which is partitioned by \\(dt\\)`));
    expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m);
    writeFileSync(
      join(ws, 'ferry.yaml'),
      `name: sqlcli\nenvironments:\n  dev: { project: p_dev }\nworkflows:\n  C:\n    nodes:\n      a: { type: sql, sql: "INSERT OVERWRITE TABLE ta SELECT * FROM tb" }\n      b: { type: sql, sql: "INSERT OVERWRITE TABLE tb SELECT * FROM ta" }\n`,
    );
    const cycle = await runCli(['workflow', 'lineage', 'C'], { cwd: ws });
    expect(cycle.code).toBe(2);
    expect(cycle.stderr).toMatch(/^ferry: .*ferry\.yaml: workflows\.C\.nodes: dependency cycle (a -> b -> a|b -> a -> b) \(with the dependencies table lineage adds/);
    expect(cycle.stderr.trim().split('\n')).toHaveLength(1);
  });
});
