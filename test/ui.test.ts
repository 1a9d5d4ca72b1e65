/**
 * `ferry ui` end to end: a copy of the workshop workspace whose log server
 * runs here and whose MySQL data source points at a closed port (so
 * ods_user_info_d fails, no MariaDB needed, and its password must never
 * show), plus a sql node that table lineage hangs after ods_raw_log_d. One
 * `ferry workflow run` and one `ferry bench`, then the real `ferry ui` on a
 * free port: raw HTTP requests (404s, no path outside the assets, no
 * secret in any answer) and the page in Debian's headless Chromium
 * (playwright-core). Screenshots of every view stay in test/runs/ui/.
 * The browser half is skipped loudly without Chromium (`.ci/run` installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runBash, runCli, tempDir } from './helpers.js';
// @ts-expect-error plain ESM example without types
import { startLogServer } from '../examples/workshop/mock-data.mjs';

const CHROMIUM = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`\n*** SKIPPING the ferry ui browser test: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set FERRY_CHROMIUM); the HTTP checks still run ***\n`);

const KEEP = join(ROOT, 'test', 'runs', 'ui');
const LINES = 3000;
const DEV = 'workshop2024_01_dev';
const SECRET = 'UiSecret-4711-pw';
/** A second password, in the JDBC URL's userinfo. */
const URL_SECRET = 'UiUrlSecret-5813-pw';
/** Neither password is in `text`. */
const noSecret = (text: string, what?: string) => {
  expect(text, what).not.toContain(SECRET);
  expect(text, what).not.toContain(URL_SECRET);
};

let dir: string;
let cleanup: () => void;
let logServer: { url: string; close: () => Promise<void> };
let ui: ChildProcess | undefined;
/** Serves slow.txt: a first piece at once, the rest when `release` is called (a node that runs until the test says). */
let gate: { url: string; release: () => void; close: () => Promise<void> };
let base: string;
let uiStderr = '';

/** A port nothing listens on (taken and released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function startGate(): Promise<typeof gate> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const srv = createHttpServer((req, res) => {
    if (req.url !== '/slow.txt') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (req.method === 'HEAD') return void res.end();
    res.write('first line\nsecond line\n');
    void released.then(() => res.end('third line\n'));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}/`;
  return {
    url,
    release,
    close: () =>
      new Promise<void>((r) => {
        release();
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** One raw HTTP/1.1 request, the target sent exactly as given (no URL normalisation on the way). */
function rawGet(target: string, host = new URL(base).host): Promise<{ status: number; body: string }> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => sock.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (data += d));
    sock.on('error', reject);
    sock.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ferry-ui-test-'));
  cpSync(join(ROOT, 'examples', 'workshop'), dir, { recursive: true, filter: (src: string) => !src.includes('.ferry') });
  logServer = await startLogServer({ port: 0, lines: LINES, users: 100 });
  const dead = await closedPort();
  const yaml = join(dir, 'ferry.yaml');
  writeFileSync(
    yaml,
    readFileSync(yaml, 'utf8')
      .replaceAll('http://127.0.0.1:8080/', logServer.url)
      .replaceAll('jdbc:mysql://127.0.0.1:3306/ferry_workshop", username: root, password: ""', `jdbc:mysql://root:${URL_SECRET}@127.0.0.1:${dead}/ferry_ui", username: root, password: "${SECRET}"`) +
      '  Slow:\n    nodes:\n      slow_lines: { type: sync, job: jobs/slow_lines.json }\n' +
      '  Dirty:\n    nodes:\n      dirty_nums: { type: sync, job: jobs/dirty_nums.json }\n',
  );
  gate = await startGate();
  writeFileSync(
    join(dir, 'jobs', 'slow_lines.json'),
    JSON.stringify({
      reader: { plugin: 'httpfile', url: `${gate.url}slow.txt`, format: 'text' },
      writer: { plugin: 'table', table: 'slow_lines', partition: 'dt=${bizdate}', writeMode: 'overwrite' },
    }),
  );
  // A job with one dirty row (line 3 is not a number) within its errorLimit.
  writeFileSync(join(dir, 'jobs', 'nums.txt'), '1\n2\nabc\n4\n');
  writeFileSync(
    join(dir, 'jobs', 'dirty_nums.json'),
    JSON.stringify({
      reader: { plugin: 'file', path: 'nums.txt', format: 'text', columns: [{ index: 0, type: 'long' }] },
      writer: { plugin: 'table', table: 'dirty_nums', partition: 'dt=${bizdate}', writeMode: 'overwrite' },
      setting: { errorLimit: { records: 5 } },
    }),
  );
  expect(readFileSync(yaml, 'utf8')).toContain(SECRET);
  expect(readFileSync(yaml, 'utf8')).toContain(URL_SECRET);
  for (const ddl of ['ddl/ods_raw_log_d.sql', 'ddl/ods_user_info_d.sql']) {
    const r = await runCli(['table', 'create', ddl], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  }
  const slow = await runCli(['table', 'create', '--sql', 'CREATE TABLE slow_lines (col STRING) PARTITIONED BY (dt STRING)'], { cwd: dir });
  expect(slow.code, slow.stderr).toBe(0);
  const nums = await runCli(['table', 'create', '--sql', 'CREATE TABLE dirty_nums (n BIGINT) PARTITIONED BY (dt STRING)'], { cwd: dir });
  expect(nums.code, nums.stderr).toBe(0);
  const dirtyRun = await runCli(['workflow', 'run', 'Dirty', '--bizdate', '20240620'], { cwd: dir });
  expect(dirtyRun.code, dirtyRun.stdout + dirtyRun.stderr).toBe(0);
  const run = await runCli(['workflow', 'run', 'WorkShop', '--bizdate', '20240620'], { cwd: dir });
  expect(run.code, run.stdout + run.stderr).toBe(1);
  noSecret(run.stdout + run.stderr);
  const job = join(dir, 'bench-job.json');
  writeFileSync(job, JSON.stringify({ reader: { plugin: 'generate', rows: 5000 }, writer: { plugin: 'null' } }));
  const bench = await runCli(['bench', 'bench-job.json', '--channels', '1', '--repeat', '1'], { cwd: dir });
  expect(bench.code, bench.stderr).toBe(0);
  expect(bench.stderr).toMatch(/bench: report kept in .*\/\.ferry\/bench\/\d{8}T\d{6}Z-bench-job\.json/);

  ui = spawn(process.execPath, [CLI, 'ui', '--port', '0', '--query-timeout', '3'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  ui.stderr!.setEncoding('utf8').on('data', (d) => (uiStderr += d));
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    ui!.stdout!.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /ferry ui: (http:\/\/127\.0\.0\.1:\d+\/) \(workspace WorkShop2024_01, env dev, store /.exec(out);
      if (m) resolve(m[1]!);
    });
    ui!.on('exit', (code) => reject(new Error(`ferry ui exited with ${code}: ${out}${uiStderr}`)));
  });
}, 240_000);

afterAll(async () => {
  if (ui && ui.exitCode === null) {
    const exited = new Promise((r) => ui!.once('exit', r));
    ui.kill('SIGTERM');
    await exited;
  }
  await logServer?.close();
  await gate?.close();
  cleanup?.();
});

const getJson = async (path: string) => {
  const res = await fetch(new URL(path, base));
  return { status: res.status, text: await res.text() };
};

describe('ferry ui over HTTP', () => {
  it('ships its page with the package (npm pack lists the assets)', async () => {
    const r = await runBash('npm pack --dry-run --json', { cwd: join(ROOT, 'packages', 'cli') });
    expect(r.code, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of ['ui/index.html', 'ui/app.js', 'ui/dom.js', 'ui/graph.js', 'ui/style.css', 'dist/ui/server.js', 'dist/commands/ui.js']) expect(files).toContain(f);
  });

  it('answers 404 for paths outside its routes', async () => {
    for (const p of ['/nope', '/api/nope', '/assets/nope.js', '/assets/', '/index.html', '/api/', '/bench/nope', '/bench/']) {
      expect((await rawGet(p)).status, p).toBe(404);
    }
    expect((await rawGet('/')).status).toBe(200);
    expect((await rawGet('/assets/app.js')).status).toBe(200);
  });

  it('never serves a file outside its assets, whatever the encoding of ..', async () => {
    const targets = [
      '/assets/../package.json',
      '/assets/../../package.json',
      '/assets/%2e%2e/package.json',
      '/assets/%2E%2E%2Fpackage.json',
      '/assets/..%2fpackage.json',
      '/assets/..%5cpackage.json',
      '/assets/%252e%252e%252fpackage.json',
      '/assets/..\\..\\package.json',
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/assets/%2f%2fetc%2fpasswd',
      '/assets//etc/passwd',
      '//etc/passwd',
      '/etc/passwd',
      `/assets/${join(ROOT, 'package.json')}`,
      `/assets/%2F${encodeURIComponent(join(ROOT, 'package.json').slice(1))}`,
      'http://127.0.0.1/etc/passwd',
      '/bench/..%2f..%2fferry.yaml',
      '/bench/%2e%2e',
      '/bench/..',
      '/assets/app.js%00.png',
      '/assets/app.js/..',
    ];
    for (const t of targets) {
      const r = await rawGet(t);
      expect([400, 404], `${t} -> ${r.status}`).toContain(r.status);
      expect(r.body, t).not.toMatch(/root:x:0:0|"name": "ferry-monorepo"|WorkShop2024_01/);
    }
  });

  it('refuses a Host it is not bound to (DNS rebinding)', async () => {
    expect((await rawGet('/api/overview', 'evil.example:80')).status).toBe(421);
  });

  it('answers the API without the data source password anywhere', async () => {
    const paths = [
      '/api/overview',
      '/api/workflows',
      '/api/instances?workflow=WorkShop',
      '/api/log?workflow=WorkShop&bizdate=20240620&node=ods_user_info_d',
      '/api/summary?workflow=WorkShop&bizdate=20240620&node=ods_user_info_d',
      '/api/log?workflow=WorkShop&bizdate=20240620&node=ods_raw_log_d',
      '/api/summary?workflow=WorkShop&bizdate=20240620&node=ods_raw_log_d',
      `/api/tables?project=${DEV}`,
      `/api/partitions?project=${DEV}&table=ods_raw_log_d`,
      '/api/bench',
    ];
    for (const p of paths) {
      const r = await getJson(p);
      expect(r.status, `${p}: ${r.text}`).toBe(200);
      noSecret(r.text, p);
    }
    // Nor in any log, run summary or dirty file the runs left.
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    const files = [...walk(join(dir, '.ferry', 'logs')), ...walk(join(dir, '.ferry', 'runs'))];
    expect(files.some((f) => f.endsWith('result.json'))).toBe(true);
    for (const f of files) noSecret(readFileSync(f, 'utf8'), f);
    const inst = JSON.parse((await getJson('/api/instances?workflow=WorkShop')).text) as { bizdate: string; nodes: { name: string; state: string; rows?: number }[] }[];
    expect(inst[0]!.bizdate).toBe('20240620');
    expect(Object.fromEntries(inst[0]!.nodes.map((n) => [n.name, n.state]))).toEqual({
      workshop_start: 'succeeded',
      ods_raw_log_d: 'succeeded',
      ods_user_info_d: 'failed',
      dim_ip_region: 'succeeded',
      dwd_log_info_di: 'succeeded',
      dws_user_info_all_di: 'not run',
      ads_user_info_1d: 'not run',
    });
    const summary = JSON.parse((await getJson('/api/summary?workflow=WorkShop&bizdate=20240620&node=ods_raw_log_d')).text);
    expect(summary).toMatchObject({ status: 'succeeded', recordsRead: LINES, recordsWritten: LINES, dirtyRecords: 0 });
    expect(summary.bytesRead).toBeGreaterThan(0);
    const wf = JSON.parse((await getJson('/api/workflows')).text).find((w: { name: string }) => w.name === 'WorkShop');
    expect(wf.nodes.find((n: { name: string }) => n.name === 'dwd_log_info_di')).toMatchObject({
      depends: ['dim_ip_region', 'ods_raw_log_d'],
      lineage: ['ods_raw_log_d'],
      reads: ['ods_raw_log_d'],
      writes: ['dwd_log_info_di'],
    });
    expect(wf.nodes.find((n: { name: string }) => n.name === 'ods_raw_log_d').sources).toEqual(['user_behavior_analysis_httpfile:user_log.txt']);
    expect(wf.next.at).toMatch(/^\d{4}-\d\d-\d\d 00:15:00\+08:00$/);
    expect((await getJson('/api/instances')).status).toBe(400);
    expect((await getJson('/api/partitions?project=x&table=missing')).status).toBe(404);
  });

  it('gives the run summary with the first dirty rows, each with its file and line', async () => {
    const summary = JSON.parse((await getJson('/api/summary?workflow=Dirty&bizdate=20240620&node=dirty_nums')).text);
    expect(summary).toMatchObject({ status: 'succeeded', recordsRead: 4, recordsWritten: 3, dirtyRecords: 1 });
    expect(summary.dirty).toHaveLength(1);
    expect(summary.dirty[0].where).toMatch(/nums\.txt:3\b/);
    expect(summary.dirty[0].record).toContain('abc');
  });

  it('runs read-only SQL only, within its limits', async () => {
    const post = (sql: string, type = 'application/json') => fetch(new URL('/api/query', base), { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ sql }) });
    const ok = await post(`SELECT count(*) AS n FROM ods_raw_log_d WHERE dt = '20240620'`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { results: unknown[] }).results[0]).toEqual({ columns: ['n'], rows: [[String(LINES)]], more: false });
    const write = await post(`INSERT OVERWRITE TABLE ods_raw_log_d PARTITION (dt='20240620') SELECT 'x'`);
    expect(write.status).toBe(400);
    expect(((await write.json()) as { error: string }).error).toMatch(/read-only|not allowed|refused/i);
    expect((await post('SELECT 1', 'text/plain')).status).toBe(415);
    expect((await fetch(new URL('/api/query', base))).status).toBe(405);
    const many = await post('SELECT * FROM range(5000)');
    const body = (await many.json()) as { results: { rows: unknown[]; more: boolean }[] };
    expect(body.results[0]!.rows.length).toBe(1000);
    expect(body.results[0]!.more).toBe(true);
    // --query-timeout 3: a query that would run for hours is stopped and says why.
    const long = await post('SELECT sum(a.range * b.range) FROM range(1000000000) a, range(1000000000) b');
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: string }).error).toMatch(/ran past the time limit of 3 s and was stopped/);
    // The server still answers afterwards.
    expect((await post('SELECT 42 AS x')).status).toBe(200);
  });
});

/** Starts `ferry ui ...args` in `cwd`; resolves with the child, its address (as 127.0.0.1) and its stderr so far. */
async function startUi(args: string[], cwd: string): Promise<{ child: ChildProcess; url: string; stderr: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'ui', '--port', '0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d) => (err += d));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d) => {
        out += d;
        const m = /ferry ui: http:\/\/[^/]+:(\d+)\/ /.exec(out);
        if (m) resolve(`http://127.0.0.1:${m[1]}/`);
      });
      child.on('exit', (code) => reject(new Error(`ferry ui exited with ${code}: ${out}${err}`)));
    });
    return { child, url, stderr: () => err, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

describe('ferry ui options', () => {
  it('outside a workspace shows a store given with --store; another --host warns that there is no login', async () => {
    const outside = join(dir, '..');
    const srv = await startUi(['--host', '0.0.0.0', '--store', join(dir, '.ferry'), '--project', DEV], outside);
    try {
      expect(srv.stderr()).toMatch(/WARNING: listening on 0\.0\.0\.0:\d+, not 127\.0\.0\.1: there is no login/);
      const overview = (await (await fetch(new URL('/api/overview', srv.url))).json()) as { workspace: unknown; project: string };
      expect(overview).toMatchObject({ workspace: null, project: DEV });
      expect(await (await fetch(new URL('/api/workflows', srv.url))).json()).toEqual([]);
      const tables = (await (await fetch(new URL(`/api/tables?project=${DEV}`, srv.url))).json()) as { name: string }[];
      expect(tables.map((t) => t.name)).toContain('ods_raw_log_d');
      // The port is taken now: a second server on it says so (usage error, exit 2).
      const busy = await runCli(['ui', '--port', new URL(srv.url).port, '--host', '0.0.0.0', '--store', join(dir, '.ferry')], { cwd: outside });
      expect(busy.code).toBe(2);
      expect(busy.stderr).toMatch(/^ferry: cannot listen on 0\.0\.0\.0:\d+: port \d+ is in use/);
    } finally {
      await srv.stop();
    }
  });

  it('in a workspace that has run nothing yet: workflows, no instances, and no store made', async () => {
    const fresh = join(dir, 'fresh');
    cpSync(join(ROOT, 'examples', 'workshop'), fresh, { recursive: true, filter: (src: string) => !src.includes('.ferry') });
    const srv = await startUi([], fresh);
    try {
      const wfs = (await (await fetch(new URL('/api/workflows', srv.url))).json()) as { name: string }[];
      expect(wfs.map((w) => w.name)).toEqual(['WorkShop']);
      expect(await (await fetch(new URL('/api/instances?workflow=WorkShop', srv.url))).json()).toEqual([]);
      expect(await (await fetch(new URL('/api/tables?project=workshop2024_01_dev', srv.url))).json()).toEqual([]);
      expect((await fetch(new URL('/api/partitions?project=workshop2024_01_dev&table=ods_raw_log_d', srv.url))).status).toBe(404);
      expect(existsSync(join(fresh, '.ferry'))).toBe(false);
    } finally {
      await srv.stop();
    }
  });
});

describe.skipIf(!hasChromium)('ferry ui in headless Chromium', { timeout: 180_000 }, () => {
  it('shows the graph, the failed node and its log, partitions, queries and bench reports', async () => {
    const count = await runCli(['table', 'count', 'ods_raw_log_d', '--partition', 'dt=20240620'], { cwd: dir });
    expect(count.code, count.stderr).toBe(0);
    const rows = Number(count.stdout.trim());
    expect(rows).toBe(LINES);

    mkdirSync(KEEP, { recursive: true });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      const origin = new URL(base).origin;
      const requests: string[] = [];
      page.on('request', (req) => {
        requests.push(req.url());
        if (new URL(req.url()).origin !== origin) problems.push(`request outside ${origin}: ${req.url()}`);
      });
      const shot = (name: string) => page.screenshot({ path: join(KEEP, `${name}.png`), fullPage: true });

      // Workflows: every node in the graph, the lineage edge marked, the next run in the workspace zone.
      await page.goto(base, { waitUntil: 'load' });
      await page.waitForSelector('body[data-ready="workflows"]');
      const nodes = await page.locator('section[data-workflow="WorkShop"] svg .node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
      expect(nodes.sort()).toEqual(['ads_user_info_1d', 'dim_ip_region', 'dwd_log_info_di', 'dws_user_info_all_di', 'ods_raw_log_d', 'ods_user_info_d', 'workshop_start']);
      expect(await page.locator('svg .edge.lineage[data-from="ods_raw_log_d"][data-to="dwd_log_info_di"]').count()).toBe(1);
      expect(await page.locator('svg .edge.lineage').count()).toBe(4);
      expect(await page.locator('svg .edge:not(.lineage)').count()).toBe(4);
      expect(await page.locator('.next-run').textContent()).toMatch(/ 00:15:00\+08:00$/);
      await shot('workflows');
      await page.locator('section[data-workflow="WorkShop"]').screenshot({ path: join(KEEP, 'workflow-workshop.png') });

      // Instances: the failed node is marked failed; its log opens.
      await page.goto(`${base}#/instances/WorkShop/20240620`);
      await page.waitForSelector('#nodes tr[data-node="ods_user_info_d"]');
      expect(await page.locator('svg .node[data-node="ods_user_info_d"]').getAttribute('data-state')).toBe('failed');
      expect(await page.locator('svg .node[data-node="ods_user_info_d"]').getAttribute('class')).toContain('state-failed');
      expect(await page.locator('#nodes tr[data-node="ods_user_info_d"] .badge').textContent()).toBe('failed');
      expect(await page.locator('#nodes tr[data-node="ods_raw_log_d"] .badge').textContent()).toBe('succeeded');
      await page.locator('svg .node[data-node="ods_user_info_d"]').click();
      await page.locator('#log', { hasText: 'node failed' }).waitFor();
      await page.waitForSelector('#summary dl, #summary p:not(.muted), #summary .muted');
      const log = (await page.locator('#log').textContent()) ?? '';
      expect(log).toContain('ods_user_info_d');
      noSecret(log);
      await shot('instances-failed-log');
      await page.locator('#nodes tr[data-node="ods_raw_log_d"]').click();
      await page.waitForSelector('#summary dd[data-field="records written"]');
      expect(await page.locator('#summary dd[data-field="records written"]').textContent()).toBe(LINES.toLocaleString('en-US'));
      await shot('instances-summary');
      await page.goto(`${base}#/instances/Dirty/20240620/dirty_nums`);
      await page.waitForSelector('#dirty tr:nth-child(2)');
      expect(await page.locator('#dirty tr:nth-child(2) td').first().textContent()).toMatch(/nums\.txt:3\b/);
      expect(await page.locator('#summary dd[data-field="dirty records"]').textContent()).toBe('1');
      await shot('instances-dirty');
      noSecret(await page.content());

      // Tables: the partition's row count is the one `ferry table count` prints; its first rows show.
      await page.goto(`${base}#/tables/${DEV}/ods_raw_log_d`);
      await page.waitForSelector('#partitions tr[data-partition="dt=20240620"]');
      expect(await page.locator('#partitions tr[data-partition="dt=20240620"] td[data-field="rows"]').textContent()).toBe(rows.toLocaleString('en-US'));
      expect(await page.locator('#ddl').textContent()).toMatch(/CREATE TABLE/i);
      await page.waitForSelector('#preview-rows tr:nth-child(2)');
      expect(await page.locator('#preview-rows tr').count()).toBe(21);
      await shot('tables');
      // LIFECYCLE 7: it expires 7 days after its last modification.
      const [modified, expires] = await page.locator('#partitions tr[data-partition="dt=20240620"] td').evaluateAll((tds) => [tds[4]!.textContent!, tds[5]!.textContent!]);
      expect(Date.parse(expires!.replace(' UTC', 'Z')) - Date.parse(modified!.replace(' UTC', 'Z'))).toBe(7 * 86_400_000);

      // Query: the count matches.
      await page.goto(`${base}#/query`);
      await page.waitForSelector('#sql');
      await page.fill('#sql', `SELECT count(*) AS n FROM ods_raw_log_d WHERE dt = '20240620'`);
      await page.click('#run');
      await page.waitForSelector('#result-0 td');
      expect(await page.locator('#result-0 td').first().textContent()).toBe(String(rows));
      await shot('query');

      // Bench reports: listed and shown.
      await page.goto(`${base}#/bench`);
      await page.waitForSelector('#reports li');
      expect(await page.locator('#reports li').count()).toBe(1);
      const frame = page.frameLocator('iframe.report');
      await frame.locator('svg rect.bar').first().waitFor();
      expect(await frame.locator('svg rect.bar').count()).toBe(1);
      await shot('bench');

      expect(problems).toEqual([]);
      expect(requests.length).toBeGreaterThan(5);
      console.log(`ferry ui screenshots: ${KEEP}`);
    } finally {
      await browser.close();
    }
  });

  it('follows a running node: its log grows and its state changes without a reload', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    // The node reads slow.txt, which does not end until gate.release().
    const run = runCli(['workflow', 'run', 'Slow', '--bizdate', '20240620'], { cwd: dir, env: { FERRY_PROGRESS_LOG_MS: '200' } });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await page.goto(`${base}#/instances/Slow/20240620/slow_lines`);
      // The page polls on its own: no reload from here on.
      await page.waitForSelector('#nodes tr[data-node="slow_lines"] .badge[data-state="running"]', { timeout: 120_000 });
      await page.locator('#log', { hasText: 'progress: ' }).waitFor({ timeout: 120_000 });
      expect(await page.locator('svg .node[data-node="slow_lines"]').getAttribute('data-state')).toBe('running');
      await page.screenshot({ path: join(KEEP, 'instances-running.png'), fullPage: true });
      gate.release();
      expect((await run).code).toBe(0);
      await page.waitForSelector('#nodes tr[data-node="slow_lines"] .badge[data-state="succeeded"]', { timeout: 120_000 });
      await page.locator('#log', { hasText: 'node succeeded' }).waitFor({ timeout: 120_000 });
      expect(await page.locator('#nodes tr[data-node="slow_lines"] td[data-field="rows"]').textContent()).toBe('3');
      // Followed, not reloaded: the log holds its first line once.
      const log = (await page.locator('#log').textContent()) ?? '';
      expect(log.match(/=== Slow\.slow_lines/g)).toHaveLength(1);
      expect(problems).toEqual([]);
    } finally {
      gate.release();
      await run;
      await browser.close();
    }
  });
});
