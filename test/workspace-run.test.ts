/** `ferry run` and `ferry table` inside a workspace: --env picks the project and the data source settings. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

let server: Server;
let base: string;
let dir: string;
let cleanup: () => void;
const served: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    served.push(req.url ?? '');
    const lines = req.url === '/prod/log.txt' ? 'p1\np2\np3\n' : 'd1\n';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(lines) });
    res.end(lines);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ dir, cleanup } = tempDir());
  writeFileSync(
    join(dir, 'ferry.yaml'),
    `name: ws
timezone: Asia/Shanghai
environments:
  dev: { project: ws_dev }
  prod: { project: ws }
datasources:
  logs:
    type: httpfile
    dev: { url: "${base}/dev/" }
    prod: { url: "${base}/prod/" }
workflows: {}
`,
  );
  mkdirSync(join(dir, 'jobs'));
  writeFileSync(
    join(dir, 'jobs/log.json'),
    JSON.stringify({ reader: { plugin: 'httpfile', datasource: 'logs', path: 'log.txt' }, writer: { plugin: 'table', table: 't', partition: 'dt=${bizdate}' } }),
  );
  for (const env of ['dev', 'prod']) {
    const r = await runCli(['table', 'create', '--env', env, '--sql', 'CREATE TABLE t (col STRING) PARTITIONED BY (dt STRING);'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  cleanup();
});

describe('a workspace', () => {
  it('runs a job against the prod data source into the prod project, leaving dev untouched', async () => {
    const r = await runCli(['run', 'jobs/log.json', '--env', 'prod', '--bizdate', '20240620', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'succeeded', recordsWritten: 3 });
    expect(served).toContain('/prod/log.txt');
    expect((await runCli(['table', 'count', 't', '--env', 'prod'], { cwd: dir })).stdout).toBe('3\n');
    expect((await runCli(['table', 'count', 't'], { cwd: dir })).stdout).toBe('0\n');
  });

  it('defaults to dev', async () => {
    const r = await runCli(['run', 'jobs/log.json', '--bizdate', '20240620', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect((await runCli(['table', 'count', 't', '--partition', 'dt=20240620'], { cwd: dir })).stdout).toBe('1\n');
  });

  it('says a data source needs a workspace when there is none', async () => {
    const { dir: elsewhere, cleanup: done } = tempDir();
    try {
      writeFileSync(join(elsewhere, 'job.json'), JSON.stringify({ reader: { plugin: 'httpfile', datasource: 'logs', path: 'x' }, writer: { plugin: 'null' } }));
      const r = await runCli(['run', 'job.json'], { cwd: elsewhere });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('the job names a data source, which needs a workspace');
    } finally {
      done();
    }
  });
});
