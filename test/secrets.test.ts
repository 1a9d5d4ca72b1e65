/**
 * Secrets never appear in any output: sentinel secrets in every shape a
 * user writes them (URL userinfo, a URL that does not parse, jdbc query
 * parameters, a numeric YAML password, a misspelled key, auth headers, a
 * token query parameter) go through every output path (`datasource list`,
 * `datasource test`, `ferry run` stdout/stderr/--json/--debug, run.log,
 * dirty.jsonl, workflow node logs and status) and are grepped for.
 */
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, type CliRun } from './helpers.js';

const tag = randomBytes(4).toString('hex');
const S = {
  urlPassword: `UrlPw${tag}x`,
  jdbcPassword: `JdbcPw${tag}x`,
  typo: `TypoPw${tag}x`,
  broken: `BrokenPw${tag}x`,
  basicPassword: `HttpPw${tag}x`,
  bearer: `Bearer${tag}x`,
  token: `QueryTok${tag}x`,
  apiKey: `ApiKey${tag}x`,
};
const NUMERIC = 98765432101;
const ALL = [...Object.values(S), String(NUMERIC)];

let dir: string;
let cleanup: () => void;
let server: Server;
let port: number;
const outputs: { what: string; text: string }[] = [];

function record(what: string, run: CliRun): CliRun {
  outputs.push({ what: `${what} stdout`, text: run.stdout }, { what: `${what} stderr`, text: run.stderr });
  return run;
}

/** Every file under `root` (run.log, dirty.jsonl, node logs). */
function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(log|jsonl|json)$/.test(name)) out.push(p);
    }
  };
  walk(root);
  return out;
}

function expectNoSecret(what: string, text: string): void {
  for (const s of ALL) expect(text.includes(s), `${what} shows the secret ${s}:\n${text}`).toBe(false);
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ferry-secrets-'));
  // data.txt answers only with the right credentials; missing.txt is a 404.
  server = createServer((req, res) => {
    if (req.url?.startsWith('/data.txt') && req.headers.authorization === `Bearer ${S.bearer}`) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('1,a\n2\nx,b\n');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  const http = `http://127.0.0.1:${port}`;
  mkdirSync(join(dir, 'jobs'));
  writeFileSync(
    join(dir, 'ferry.yaml'),
    `name: secrets
environments:
  dev: { project: p_dev }
datasources:
  murl: { type: mysql, dev: { url: "mysql://root:${S.urlPassword}@127.0.0.1:3306/mysql" } }
  mjdbc: { type: mysql, dev: { url: "jdbc:mysql://127.0.0.1:3306/mysql?user=root&password=${S.jdbcPassword}" } }
  mnum: { type: mysql, dev: { url: "mysql://127.0.0.1:3306/mysql", username: root, password: ${NUMERIC} } }
  mtypo: { type: mysql, dev: { url: "mysql://root@127.0.0.1:3306/mysql", pasword: ${S.typo} } }
  mbroken: { type: mysql, dev: { url: "mysql://u:${S.broken}@w@[::1:3307/db" } }
  hauth: { type: httpfile, dev: { url: "http://user:${S.basicPassword}@127.0.0.1:${port}/", headers: { Authorization: "Bearer ${S.bearer}" } } }
  hkey: { type: httpfile, dev: { url: "${http}/missing.txt?token=${S.token}", headers: { X-Api-Key: ${S.apiKey} } } }
workflows:
  W:
    nodes:
      fetch: { type: sync, job: jobs/ds-missing.json }
`,
  );
  const nullWriter = { plugin: 'null' };
  writeFileSync(join(dir, 'jobs', 'ds-missing.json'), JSON.stringify({ reader: { datasource: 'hauth', path: 'missing.txt' }, writer: nullWriter }));
  writeFileSync(join(dir, 'jobs', 'http-404.json'), JSON.stringify({ reader: { plugin: 'httpfile', url: `http://user:${S.basicPassword}@127.0.0.1:${port}/missing.txt` }, writer: nullWriter }));
  writeFileSync(join(dir, 'jobs', 'numeric.yaml'), `reader: { plugin: mysql, url: "mysql://127.0.0.1:3306/mysql", username: root, password: ${NUMERIC}, table: user }\nwriter: { plugin: "null" }\n`);
  writeFileSync(join(dir, 'jobs', 'broken-url.json'), JSON.stringify({ reader: { plugin: 'mysql', url: `mysql://u:${S.broken}@w@[::1:3307/db`, table: 't' }, writer: nullWriter }));
  writeFileSync(join(dir, 'jobs', 'wrong-pw.json'), JSON.stringify({ reader: { plugin: 'mysql', url: `mysql://root:${S.urlPassword}@127.0.0.1:3306/mysql`, table: 'user' }, writer: nullWriter }));
  writeFileSync(
    join(dir, 'jobs', 'dirty.json'),
    JSON.stringify({
      reader: {
        plugin: 'httpfile',
        url: `${http}/data.txt?token=${S.token}`,
        headers: { Authorization: `Bearer ${S.bearer}`, 'X-Api-Key': S.apiKey },
        columns: [{ index: 0, type: 'long' }, { index: 1 }],
      },
      writer: nullWriter,
      setting: { errorLimit: { records: 10 } },
    }),
  );
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  cleanup?.();
});

describe('secrets never appear in output', () => {
  it('datasource list masks every secret shape', async () => {
    const r = record('datasource list', await runCli(['datasource', 'list'], { cwd: dir }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('mysql://root:***@127.0.0.1:3306/mysql');
    expect(r.stdout).toContain('password=***');
    expect(r.stdout).toContain('Authorization');
    expectNoSecret('datasource list', r.stdout + r.stderr);
  });

  it('datasource test, text and --json', async () => {
    const r = record('datasource test', await runCli(['datasource', 'test'], { cwd: dir }));
    expect(r.stdout).toMatch(/murl .*access denied/);
    expect(r.stdout).toMatch(/hauth .*HTTP 404/);
    const j = record('datasource test --json', await runCli(['datasource', 'test', '--json'], { cwd: dir }));
    expect(j.stdout.trim().split('\n').length).toBe(7);
    expectNoSecret('datasource test', r.stdout + r.stderr + j.stdout + j.stderr);
  }, 120_000);

  it('ferry run: errors, --json, --debug, run.log and dirty.jsonl', async () => {
    const store = join(dir, 'store');
    for (const job of ['http-404.json', 'numeric.yaml', 'broken-url.json', 'wrong-pw.json', 'dirty.json']) {
      // --debug prints stacks: the paths that fail in the reader and in validation.
      const variants = job === 'http-404.json' || job === 'numeric.yaml' ? [[], ['--json'], ['--debug']] : [[], ['--json']];
      for (const extra of variants) {
        const r = record(`run ${job} ${extra.join(' ')}`, await runCli(['run', join(dir, 'jobs', job), '--store', store, ...extra], { cwd: dir }));
        expect(r.code, `${job}: ${r.stderr}`).toBe(job === 'dirty.json' ? 0 : job === 'http-404.json' ? 1 : 2);
        expectNoSecret(`run ${job} ${extra.join(' ')}`, r.stdout + r.stderr);
      }
    }
    // The other commands that read a job or a run's records.
    for (const job of ['http-404.json', 'dirty.json', 'numeric.yaml']) {
      const r = record(`preview ${job}`, await runCli(['preview', join(dir, 'jobs', job), '--store', store], { cwd: dir }));
      expectNoSecret(`preview ${job}`, r.stdout + r.stderr);
    }
    const dirtyRun = JSON.parse(record('run dirty --json', await runCli(['run', join(dir, 'jobs', 'dirty.json'), '--store', store, '--json'], { cwd: dir })).stdout) as { runDir: string };
    for (const extra of [[], ['--json']]) {
      const r = record('dirty show', await runCli(['dirty', 'show', dirtyRun.runDir, '--store', store, ...extra], { cwd: dir }));
      expect(r.code, r.stderr).toBe(0);
      expectNoSecret('dirty show', r.stdout + r.stderr);
    }
    const files = filesUnder(join(store, 'runs'));
    expect(files.filter((f) => f.endsWith('dirty.jsonl')).length).toBe(3);
    expect(files.filter((f) => f.endsWith('run.log')).length).toBe(13);
    for (const f of files) expectNoSecret(f, readFileSync(f, 'utf8'));
  }, 240_000);

  it('workflow node logs, status and logs', async () => {
    const run = record('workflow run', await runCli(['workflow', 'run', 'W', '--bizdate', '20240620'], { cwd: dir }));
    expect(run.code).toBe(1);
    const status = record('workflow status', await runCli(['workflow', 'status', 'W', '--bizdate', '20240620', '--json'], { cwd: dir }));
    const logs = record('workflow logs', await runCli(['workflow', 'logs', 'W', 'fetch', '--bizdate', '20240620'], { cwd: dir }));
    expect(logs.stdout).toMatch(/HTTP 404/);
    for (const r of [run, status, logs]) expectNoSecret('workflow', r.stdout + r.stderr);
    for (const f of filesUnder(join(dir, '.ferry'))) expectNoSecret(f, readFileSync(f, 'utf8'));
  }, 120_000);

  it('no output captured above holds a secret', () => {
    expect(outputs.length).toBeGreaterThan(30);
    for (const o of outputs) expectNoSecret(o.what, o.text);
  });
});
