import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDatasources, checkDatasource, descendantsOf, findCycle, findWorkspace, loadWorkspace, parseDuration, topoOrder, workspaceRunOptions, type Workspace } from '@ferry/workflow';
import { PLUGINS } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-ws-'));
  mkdirSync(join(dir, 'jobs'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = `name: demo
timezone: Asia/Shanghai
environments:
  dev: { project: demo_dev }
  prod: { project: demo }
datasources:
  logs:
    type: httpfile
    dev: { url: "http://127.0.0.1:1/base/" }
    prod: { url: "http://10.0.0.1/data" }
  db:
    type: mysql
    dev: { url: "jdbc:mysql://127.0.0.1:3306/x", username: root }
`;

function job(name: string, reader: object, writer: object = { plugin: 'null' }): void {
  writeFileSync(join(dir, 'jobs', name), JSON.stringify({ reader, writer }));
}

function write(text: string): string {
  const file = join(dir, 'ferry.yaml');
  writeFileSync(file, text);
  return file;
}

async function loadError(text: string): Promise<string> {
  write(text);
  try {
    await loadWorkspace({ cwd: dir });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the workspace to be rejected');
}

describe('workspace validation', () => {
  it('loads the workspace from a subfolder, with defaults and absolute job paths', async () => {
    job('a.json', { plugin: 'httpfile', datasource: 'logs', path: 'a.txt' });
    write(`${HEAD}workflows:
  W:
    schedule: { cron: "15 0 * * *" }
    nodes:
      start: { type: virtual }
      a: { type: sync, job: jobs/a.json, depends: [start], retries: 3, retryInterval: 90s }
`);
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    expect(findWorkspace(join(dir, 'sub', 'deeper'))).toBe(join(dir, 'ferry.yaml'));
    const ws = await loadWorkspace({ cwd: join(dir, 'sub', 'deeper') });
    expect(ws.storeDir).toBe(join(dir, '.ferry'));
    expect(ws.workflows.W!.order).toEqual(['start', 'a']);
    expect(ws.workflows.W!.nodes.a).toMatchObject({ job: join(dir, 'jobs', 'a.json'), rerun: 'always', retries: 3, retryIntervalMs: 90_000, params: { bizdate: '$bizdate' } });
    expect(workspaceRunOptions(ws, 'prod')).toEqual({ storeDir: join(dir, '.ferry'), project: 'demo' });
    expect(() => workspaceRunOptions(ws, 'staging')).toThrow(/unknown environment staging \(environments in .*ferry.yaml: dev, prod\)/);
  });

  it('names the file, the key and the problem for a bad shape', async () => {
    const msg = await loadError(`${HEAD}workflows:
  W:
    nodes:
      a: { type: magic, dependz: [] }
`);
    expect(msg).toContain(join(dir, 'ferry.yaml'));
    expect(msg).toContain('workflows.W.nodes.a.type: expected one of "virtual", "sync"');
    expect(msg).toContain('workflows.W.nodes.a.dependz: unknown key (did you mean "depends"?)');
  });

  it('rejects a cycle and shows its path', async () => {
    const msg = await loadError(`${HEAD}workflows:
  W:
    nodes:
      a: { type: virtual, depends: [c] }
      b: { type: virtual, depends: [a] }
      c: { type: virtual, depends: [b] }
      d: { type: virtual }
`);
    expect(msg).toBe(`${join(dir, 'ferry.yaml')}: workflows.W.nodes: dependency cycle a -> b -> c -> a`);
  });

  it('rejects a dependency on a missing node', async () => {
    const msg = await loadError(`${HEAD}workflows:
  W:
    nodes:
      a: { type: virtual }
      b: { type: virtual, depends: [a, nope] }
`);
    expect(msg).toBe(`${join(dir, 'ferry.yaml')}: workflows.W.nodes.b.depends: depends on nope, which is not a node of W (nodes: a, b)`);
  });

  it('rejects a job naming an unknown data source, or one of another type', async () => {
    job('a.json', { plugin: 'httpfile', datasource: 'nosuch', path: 'a.txt' });
    const msg = await loadError(`${HEAD}workflows:
  W:
    nodes:
      a: { type: sync, job: jobs/a.json }
`);
    expect(msg).toContain(`${join(dir, 'jobs', 'a.json')}: reader.datasource: unknown data source nosuch (node W.a; data sources in ${join(dir, 'ferry.yaml')}: logs, db)`);
    job('a.json', { plugin: 'mysql', datasource: 'logs', table: 't' });
    const msg2 = await loadError(`${HEAD}workflows:
  W:
    nodes:
      a: { type: sync, job: jobs/a.json }
`);
    expect(msg2).toContain('reader.datasource: data source logs is of type httpfile, but the reader plugin is mysql');
  });

  it('rejects settings for an unknown environment, a missing job file, retries with rerun never, bad durations', async () => {
    expect(await loadError(HEAD.replace('  db:\n', '  db:\n    staging: { url: x }\n'))).toContain('datasources.db.staging: unknown environment staging (environments: dev, prod)');
    expect(await loadError(`${HEAD}workflows:\n  W:\n    nodes:\n      a: { type: sync, job: jobs/missing.json }\n`)).toContain(
      `workflows.W.nodes.a.job: job file not found: ${join(dir, 'jobs', 'missing.json')}`,
    );
    expect(await loadError(`${HEAD}workflows:\n  W:\n    nodes:\n      a: { type: virtual, rerun: never, retries: 2 }\n`)).toContain(
      'workflows.W.nodes.a.retries: rerun: never allows no automatic retries',
    );
    expect(await loadError(`${HEAD}workflows:\n  W:\n    nodes:\n      a: { type: virtual, retries: 11 }\n`)).toContain('workflows.W.nodes.a.retries: expected an integer from 0 to 10, got 11');
    expect(await loadError(`${HEAD}workflows:\n  W:\n    nodes:\n      a: { type: virtual, retries: 1, retryInterval: soon }\n`)).toContain(
      'workflows.W.nodes.a.retryInterval: expected a duration such as 60s, 1m or 2m30s, got "soon"',
    );
    expect(await loadError(`${HEAD}workflows:\n  W:\n    nodes:\n      a: { type: virtual, retries: 1, retryInterval: 31m }\n`)).toContain('workflows.W.nodes.a.retryInterval: at most 30m');
    expect(await loadError(HEAD.replace('Asia/Shanghai', 'Mars/Olympus'))).toContain('timezone:');
    expect(await loadError('name: [unclosed')).toMatch(/ferry\.yaml: invalid YAML/);
    expect(await loadError(`${HEAD}workflows:\n  W:\n    nodes:\n      "../up": { type: virtual }\n`)).toContain('is not a valid name');
  });

  it('says where it looked when there is no ferry.yaml', async () => {
    await expect(loadWorkspace({ cwd: dir })).rejects.toThrow(`no ferry.yaml in ${dir} or any folder above it (give --workspace PATH)`);
  });
});

describe('data sources', () => {
  async function ws(): Promise<Workspace> {
    write(`${HEAD}workflows: {}\n`);
    return loadWorkspace({ workspace: dir });
  }

  it("merges the environment's settings into the plugin block and removes the datasource key", async () => {
    const w = await ws();
    const job = { reader: { plugin: 'mysql', datasource: 'db', table: 'users' }, writer: { plugin: 'table', table: 't' } };
    expect(applyDatasources(job, w, 'dev')).toEqual({
      reader: { plugin: 'mysql', url: 'jdbc:mysql://127.0.0.1:3306/x', username: 'root', table: 'users' },
      writer: { plugin: 'table', table: 't' },
    });
    expect(job.reader.datasource).toBe('db');
  });

  it('joins an httpfile path to the base URL of the environment', async () => {
    const w = await ws();
    const job = { reader: { datasource: 'logs', url: 'user_log.txt' }, writer: { plugin: 'null' } };
    expect(applyDatasources(job, w, 'dev').reader).toEqual({ plugin: 'httpfile', url: 'http://127.0.0.1:1/base/user_log.txt' });
    expect(applyDatasources(job, w, 'prod').reader).toEqual({ plugin: 'httpfile', url: 'http://10.0.0.1/data/user_log.txt' });
    const withPath = applyDatasources({ reader: { plugin: 'httpfile', datasource: 'logs', path: 'a.txt' } }, w, 'prod');
    expect(withPath.reader).toEqual({ plugin: 'httpfile', url: 'http://10.0.0.1/data', path: 'a.txt' });
    expect(() => applyDatasources({ reader: { datasource: 'logs', url: 'http://other/x' } }, w, 'dev')).toThrow(/is a full URL; with "datasource" give a path/);
  });

  it('refuses a type mismatch and an environment without settings', async () => {
    const w = await ws();
    expect(() => applyDatasources({ reader: { plugin: 'httpfile', datasource: 'db' } }, w, 'dev', 'job.json')).toThrow(
      'job.json: reader.datasource: data source db is of type mysql, but the reader plugin is httpfile',
    );
    expect(() => applyDatasources({ reader: { datasource: 'db' } }, w, 'prod')).toThrow(/data source db has no settings for environment prod/);
    expect(() => applyDatasources({ reader: { datasource: 'db' } }, w, 'qa')).toThrow(/unknown environment qa/);
  });
});

describe('data source connectivity test', () => {
  it('reports ok with latency for a reachable server (a 403 at a base URL counts), failed with why otherwise', async () => {
    const server = createServer((req, res) => void res.writeHead(req.url === '/files/' ? 403 : req.url === '/files/a.txt' ? 404 : 200).end('x'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      write(`name: d
environments:
  dev: { project: p }
datasources:
  root: { type: httpfile, dev: { url: "${base}/" } }
  files: { type: httpfile, dev: { url: "${base}/files/" } }
  missing: { type: httpfile, dev: { url: "${base}/files/", path: "a.txt" } }
  closed: { type: httpfile, dev: { url: "http://127.0.0.1:1/" } }
`);
      const ws = await loadWorkspace({ workspace: dir });
      const root = await checkDatasource(ws, 'root', 'dev', { plugins: PLUGINS });
      expect(root).toMatchObject({ name: 'root', type: 'httpfile', env: 'dev', ok: true });
      expect(root.latencyMs).toBeGreaterThanOrEqual(0);
      expect(root.message).toContain('HTTP 200');
      expect(await checkDatasource(ws, 'files', 'dev', { plugins: PLUGINS })).toMatchObject({ ok: true, message: expect.stringMatching(/^server reachable \(HTTP 403 Forbidden for /) });
      // With a file path a 4xx is a real failure.
      expect(await checkDatasource(ws, 'missing', 'dev', { plugins: PLUGINS })).toMatchObject({ ok: false, message: expect.stringMatching(/^HTTP 404 Not Found for .*\/files\/a\.txt/) });
      const closed = await checkDatasource(ws, 'closed', 'dev', { plugins: PLUGINS });
      expect(closed.ok).toBe(false);
      expect(closed.message).toContain('127.0.0.1:1');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('graph helpers and durations', () => {
  it('orders nodes after their parents and finds descendants', () => {
    const g = { d: ['b', 'c'], b: ['a'], c: ['a'], a: [], e: [] };
    expect(topoOrder(g)).toEqual(['a', 'e', 'b', 'c', 'd']);
    expect([...descendantsOf(g, 'b')]).toEqual(['d']);
    expect([...descendantsOf(g, 'a')].sort()).toEqual(['b', 'c', 'd']);
    expect(findCycle(g)).toBeUndefined();
    expect(findCycle({ x: ['x2'], x2: ['x'] })).toEqual(['x', 'x2', 'x']);
  });

  it('parses durations with units, ms allowed', () => {
    expect(parseDuration('60s', 'k')).toBe(60_000);
    expect(parseDuration('1m', 'k')).toBe(60_000);
    expect(parseDuration('2m30s', 'k')).toBe(150_000);
    expect(parseDuration('10ms', 'k')).toBe(10);
    expect(parseDuration(5, 'k')).toBe(5000);
    expect(() => parseDuration('-1s', 'k')).toThrow('k: expected a duration');
  });
});
