import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backfill, readInstance, rerunNode, runWorkflowInstance, type NodeRecord } from '@ferry/workflow';
import { listPartitions, openStore } from '@ferry/writer-table';
import { brokenJob, generateJob, PLUGINS, testWorkspace, workspaceYaml, type TestWorkspace } from './helpers.js';

let tw: TestWorkspace;
beforeEach(async () => {
  tw = testWorkspace();
  await tw.ddl('p_dev', 'CREATE TABLE t (id BIGINT) PARTITIONED BY (dt STRING); CREATE TABLE s (col STRING) PARTITIONED BY (dt STRING);');
});
afterEach(() => tw.cleanup());

/** Records every node state change as `node:state`. */
function recorder() {
  const events: string[] = [];
  return { events, onNode: (n: string, r: NodeRecord) => void events.push(`${n}:${r.state}`) };
}

async function partitions(project = 'p_dev', table = 't') {
  const store = openStore(join(tw.dir, '.ferry'));
  try {
    return listPartitions(store, project, table).map((p) => [p.spec, p.rows]);
  } finally {
    await store.close();
  }
}

const DIAMOND = `      start: { type: virtual }
      a: { type: sync, job: jobs/a.json, depends: [start] }
      b: { type: sync, job: jobs/b.json, depends: [start] }
      c: { type: sync, job: jobs/c.json, depends: [a, b] }
`;

describe('running an instance', () => {
  it('runs nodes after their parents and independent nodes at the same time', async () => {
    tw.job('a.json', generateJob(20_000, { partition: 'dt=a${bizdate}', recordsPerSecond: 40_000 }));
    tw.job('b.json', generateJob(20_000, { partition: 'dt=b${bizdate}', recordsPerSecond: 40_000 }));
    tw.job('c.json', generateJob(10));
    const ws = await tw.load(workspaceYaml(DIAMOND));
    const rec = recorder();
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' }, { onNode: rec.onNode });
    expect(r.ok).toBe(true);
    expect(r.cyctime).toBe('20240621001500');
    const running = (n: string) => rec.events.indexOf(`${n}:running`);
    const done = (n: string) => rec.events.indexOf(`${n}:succeeded`);
    expect(done('start')).toBeLessThan(running('a'));
    expect(done('start')).toBeLessThan(running('b'));
    // a and b overlap: both started before either finished.
    expect(Math.max(running('a'), running('b'))).toBeLessThan(Math.min(done('a'), done('b')));
    expect(Math.max(done('a'), done('b'))).toBeLessThan(running('c'));
    // Recorded times say the same.
    const n = r.nodes;
    expect(n.b!.startedAt! < n.a!.endedAt! && n.a!.startedAt! < n.b!.endedAt!).toBe(true);
    expect(n.c!.startedAt! >= n.a!.endedAt! && n.c!.startedAt! >= n.b!.endedAt!).toBe(true);
    expect([n.a!.rows, n.b!.rows, n.c!.rows, n.start!.rows]).toEqual([20_000, 20_000, 10, 0]);
    expect(await partitions()).toEqual([
      ['dt=20240620', 10],
      ['dt=a20240620', 20_000],
      ['dt=b20240620', 20_000],
    ]);
  });

  it('runs one node at a time with maxParallel 1', async () => {
    for (const j of ['a', 'b', 'c']) tw.job(`${j}.json`, generateJob(100, { partition: `dt=${j}` }));
    const ws = await tw.load(workspaceYaml(DIAMOND));
    const rec = recorder();
    await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620', maxParallel: 1, onNode: rec.onNode });
    const starts = rec.events.filter((e) => e.endsWith(':running') || e.endsWith(':succeeded'));
    expect(starts).toEqual(['start:running', 'start:succeeded', 'a:running', 'a:succeeded', 'b:running', 'b:succeeded', 'c:running', 'c:succeeded']);
  });

  it('leaves the descendants of a failed node not run, says why, and reports the instance failed', async () => {
    tw.job('a.json', brokenJob);
    tw.job('b.json', generateJob(10, { partition: 'dt=b' }));
    tw.job('c.json', generateJob(10));
    const ws = await tw.load(workspaceYaml(DIAMOND));
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' });
    expect(r.ok).toBe(false);
    expect(r.nodes.a).toMatchObject({ state: 'failed', attempts: 1 });
    expect(r.nodes.a!.reason).toContain('no_such_type');
    expect(r.nodes.b!.state).toBe('succeeded');
    expect(r.nodes.c).toMatchObject({ state: 'not run', reason: 'upstream failed: a failed' });
    expect(readFileSync(r.nodes.a!.logPath!, 'utf8')).toContain('no_such_type');
    expect(await partitions()).toEqual([['dt=b', 10]]);
  });

  it('fills node params from scheduling expressions of the instance times', async () => {
    tw.job('a.json', generateJob(3, { partition: 'dt=${d}_${t}_${yyyymmdd-7}_$[add_months(yyyymmdd,-1)]' }));
    const ws = await tw.load(workspaceYaml(`      a: { type: sync, job: jobs/a.json, params: { d: "\${yyyymmdd-1}", t: "$[hh24miss-1/24]" } }\n`));
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' });
    expect(r.ok).toBe(true);
    expect(await partitions()).toEqual([['dt=20240619_231500_20240613_20240521', 3]]);
    expect(readFileSync(r.nodes.a!.logPath!, 'utf8')).toContain('d=20240619, t=231500');
  });

  it('rejects an unknown scheduling parameter in node params, naming it', async () => {
    tw.job('a.json', generateJob(3));
    const ws = await tw.load(workspaceYaml(`      a: { type: sync, job: jobs/a.json, params: { bizdate: "$jobdate" } }\n`));
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' });
    expect(r.nodes.a!.state).toBe('failed');
    expect(r.nodes.a!.reason).toBe('node a: params.bizdate: unknown scheduling parameter $jobdate in "$jobdate"');
  });

  it('stops on abort: the running node fails as cancelled, nodes not yet started are not run', async () => {
    tw.job('a.json', generateJob(1_000_000, { partition: 'dt=a', recordsPerSecond: 2000 }));
    tw.job('b.json', generateJob(10));
    const ws = await tw.load(workspaceYaml('      a: { type: sync, job: jobs/a.json, retries: 3, retryInterval: 10ms }\n      b: { type: sync, job: jobs/b.json, depends: [a] }\n'));
    const ctl = new AbortController();
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620', signal: ctl.signal, onNode: (n, rec) => void (n === 'a' && rec.state === 'running' && ctl.abort()) });
    expect(r.ok).toBe(false);
    expect(r.nodes.a).toMatchObject({ state: 'failed', attempts: 1 });
    expect(r.nodes.a!.reason).toMatch(/^cancelled: /);
    expect(r.nodes.b).toMatchObject({ state: 'not run' });
    expect(await partitions()).toEqual([]);
  });

  it('keeps the scheduled time T of an existing instance when it runs again', async () => {
    tw.job('a.json', generateJob(1, { partition: 'dt=$[hh24miss]' }));
    const nodes = '      a: { type: sync, job: jobs/a.json }\n';
    const ws = await tw.load(workspaceYaml(nodes));
    expect((await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' })).cyctime).toBe('20240621001500');
    const ws2 = await tw.load(workspaceYaml(nodes).replace('15 0 * * *', '30 2 * * *'));
    expect((await runWorkflowInstance(ws2, 'W', { plugins: PLUGINS, bizdate: '20240620' })).cyctime).toBe('20240621001500');
    expect((await runWorkflowInstance(ws2, 'W', { plugins: PLUGINS, bizdate: '20240621' })).cyctime).toBe('20240622023000');
    expect(await partitions()).toEqual([
      ['dt=001500', 1],
      ['dt=023000', 1],
    ]);
  });

  it('accepts the scheduler call shape: times and options in one object, T as given', async () => {
    const ws = await tw.load(workspaceYaml('      start: { type: virtual }\n'));
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, env: 'prod', bizdate: '20240309', cyctime: '20240310001500', scheduledAt: new Date(), trigger: 'scheduler' });
    expect(r).toMatchObject({ ok: true, env: 'prod', bizdate: '20240309', cyctime: '20240310001500' });
    expect(await readInstance(ws, 'prod', 'W', '20240309')).toMatchObject({ trigger: 'scheduler', cyctime: '20240310001500' });
    expect(await readInstance(ws, 'dev', 'W', '20240309')).toBeUndefined();
  });
});

describe('retries', () => {
  let server: Server;
  let hits = 0;
  let failFirst = 0;
  beforeEach(async () => {
    hits = 0;
    server = createServer((req, res) => {
      hits++;
      if (hits <= failFirst) return void res.writeHead(500).end('try later');
      res.writeHead(200, { 'content-length': 6 }).end('x\ny\nz\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  function yaml(retries: string) {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return workspaceYaml(`      a: { type: sync, job: jobs/a.json, ${retries} }\n`, `datasources:\n  web: { type: httpfile, dev: { url: "${url}" } }\n`);
  }
  const httpJob = { reader: { datasource: 'web', path: 'log.txt', retries: 0 }, writer: { plugin: 'table', table: 's', partition: 'dt=${bizdate}' } };

  it('retries a failing node until it succeeds (a server that fails twice)', async () => {
    failFirst = 2;
    tw.job('a.json', httpJob);
    const ws = await tw.load(yaml('retries: 3, retryInterval: 10ms'));
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' });
    expect(r.nodes.a).toMatchObject({ state: 'succeeded', attempts: 3, rows: 3 });
    expect(readFileSync(r.nodes.a!.logPath!, 'utf8').match(/retry \d of 3/g)).toEqual(['retry 1 of 3', 'retry 2 of 3']);
  });

  it('gives up after retries + 1 runs', async () => {
    failFirst = 100;
    tw.job('a.json', httpJob);
    const ws = await tw.load(yaml('retries: 2, retryInterval: 1ms'));
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' });
    expect(r.nodes.a).toMatchObject({ state: 'failed', attempts: 3 });
    expect(r.nodes.a!.reason).toMatch(/500/);
  });

  it('does not retry a node whose rerun policy is never, nor a config error', async () => {
    failFirst = 1;
    tw.job('a.json', httpJob);
    const ws = await tw.load(yaml('rerun: never'));
    expect((await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' })).nodes.a).toMatchObject({ state: 'failed', attempts: 1 });
    tw.job('a.json', brokenJob);
    const ws2 = await tw.load(yaml('retries: 3, retryInterval: 1ms'));
    expect((await runWorkflowInstance(ws2, 'W', { plugins: PLUGINS, bizdate: '20240621' })).nodes.a).toMatchObject({ state: 'failed', attempts: 1 });
  });
});

describe('reruns', () => {
  const NODES = `      start: { type: virtual }
      alw: { type: sync, job: jobs/alw.json, depends: [start], rerun: always }
      onf: { type: sync, job: jobs/onf.json, depends: [start], rerun: on-failure }
      nev: { type: sync, job: jobs/nev.json, depends: [start], rerun: never }
      after_onf: { type: sync, job: jobs/after.json, depends: [onf] }
`;
  beforeEach(() => {
    for (const j of ['alw', 'onf', 'nev', 'after']) tw.job(`${j}.json`, generateJob(5, { partition: `dt=${j}` }));
  });

  it('after success: always reruns, on-failure and never refuse', async () => {
    const ws = await tw.load(workspaceYaml(NODES));
    expect((await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' })).ok).toBe(true);
    const r = await rerunNode(ws, 'W', 'alw', { plugins: PLUGINS, bizdate: '20240620' });
    expect(r.ok).toBe(true);
    expect(r.nodes.alw).toMatchObject({ state: 'succeeded', executions: 2 });
    expect(r.nodes.onf).toMatchObject({ state: 'succeeded', executions: 1 });
    await expect(rerunNode(ws, 'W', 'onf', { plugins: PLUGINS, bizdate: '20240620' })).rejects.toThrow(
      'cannot rerun W.onf for bizdate 20240620 (dev): it succeeded and its rerun policy is on-failure (rerun only after a failure)',
    );
    await expect(rerunNode(ws, 'W', 'nev', { plugins: PLUGINS, bizdate: '20240620' })).rejects.toThrow('its rerun policy is never');
    await expect(rerunNode(ws, 'W', 'alw', { plugins: PLUGINS, bizdate: '20240101' })).rejects.toThrow('W has no instance for bizdate 20240101 in dev');
  });

  it('after failure: on-failure reruns (with downstream), never refuses', async () => {
    tw.job('onf.json', brokenJob);
    tw.job('nev.json', brokenJob);
    const ws = await tw.load(workspaceYaml(NODES));
    const first = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' });
    expect([first.nodes.onf!.state, first.nodes.nev!.state, first.nodes.after_onf!.state]).toEqual(['failed', 'failed', 'not run']);
    await expect(rerunNode(ws, 'W', 'nev', { plugins: PLUGINS, bizdate: '20240620' })).rejects.toThrow('cannot rerun W.nev for bizdate 20240620 (dev): its rerun policy is never');
    tw.job('onf.json', generateJob(7, { partition: 'dt=onf' }));
    const r = await rerunNode(ws, 'W', 'onf', { plugins: PLUGINS, bizdate: '20240620', downstream: true });
    expect(r.ok).toBe(true);
    expect([r.nodes.onf!.state, r.nodes.after_onf!.state, r.nodes.nev!.state]).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(r.nodes.onf!.rows).toBe(7);
    expect(r.nodes.alw!.executions).toBe(1);
  });

  it('with downstream, keeps a descendant its policy protects and holds back its children unless it succeeded', async () => {
    const ws = await tw.load(
      workspaceYaml(`      start: { type: virtual }
      mid: { type: sync, job: jobs/nev.json, depends: [start], rerun: never }
      leaf: { type: sync, job: jobs/after.json, depends: [mid] }
`),
    );
    await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' });
    const r = await rerunNode(ws, 'W', 'start', { plugins: PLUGINS, bizdate: '20240620', downstream: true });
    expect(r.kept).toEqual([{ node: 'mid', why: 'it succeeded and its rerun policy is never' }]);
    expect(r.nodes.mid!.executions).toBe(1);
    expect(r.nodes.leaf).toMatchObject({ state: 'succeeded', executions: 2 });
  });
});

describe('backfill', () => {
  let server: Server;
  let url: string;
  beforeEach(async () => {
    // Serves /<bizdate>.txt, except 20240103, which is missing.
    server = createServer((req, res) => {
      if (req.url === '/20240103.txt') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': 2 }).end('x\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    tw.job('a.json', { reader: { datasource: 'web', path: '${bizdate}.txt', retries: 0 }, writer: { plugin: 'table', table: 's', partition: 'dt=${bizdate}' } });
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));
  const yaml = () =>
    workspaceYaml(`      start: { type: virtual }\n      a: { type: sync, job: jobs/a.json, depends: [start] }\n`, `datasources:\n  web: { type: httpfile, dev: { url: "${url}" } }\n`);

  it('runs one date at a time in ascending order and stops starting dates after a failure', async () => {
    const ws = await tw.load(yaml());
    const started: string[] = [];
    const r = await backfill(ws, 'W', { plugins: PLUGINS, from: '20240101', to: '20240105', onDate: (d, res, err) => void (!res && !err && started.push(d)) });
    expect(started).toEqual(['20240101', '20240102', '20240103']);
    expect(r.ok).toBe(false);
    expect(r.instances.map((i) => [i.bizdate, i.ok])).toEqual([
      ['20240101', true],
      ['20240102', true],
      ['20240103', false],
    ]);
    expect(r.notStarted).toEqual(['20240104', '20240105']);
    // Each date behaves as the instance scheduled the next day at 00:15.
    expect(r.instances.map((i) => i.cyctime)).toEqual(['20240102001500', '20240103001500', '20240104001500']);
    expect(r.instances[1]!.nodes.start!.startedAt! >= r.instances[0]!.nodes.a!.endedAt!).toBe(true);
    expect(await partitions('p_dev', 's')).toEqual([
      ['dt=20240101', 1],
      ['dt=20240102', 1],
    ]);
  });

  it('runs descending, k dates at once, continuing after a failure, and only the chosen node', async () => {
    const ws = await tw.load(yaml());
    const started: string[] = [];
    const r = await backfill(ws, 'W', {
      plugins: PLUGINS,
      from: '20240101',
      to: '20240104',
      descending: true,
      parallel: 2,
      continueOnFailure: true,
      node: 'a',
      onDate: (d, res, err) => void (!res && !err && started.push(d)),
    });
    expect(started).toEqual(['20240104', '20240103', '20240102', '20240101']);
    expect(r.instances.map((i) => i.bizdate).sort()).toEqual(['20240101', '20240102', '20240103', '20240104']);
    expect(r.instances.find((i) => i.bizdate === '20240103')!.ok).toBe(false);
    expect(r.instances.every((i) => i.nodes.start!.state === 'skipped')).toBe(true);
    expect(await partitions('p_dev', 's')).toEqual([
      ['dt=20240101', 1],
      ['dt=20240102', 1],
      ['dt=20240104', 1],
    ]);
  });

  it('refuses to run a node another live run holds', async () => {
    tw.job('slow.json', generateJob(4000, { partition: 'dt=slow', recordsPerSecond: 4000 }));
    const ws = await tw.load(workspaceYaml('      s: { type: sync, job: jobs/slow.json }\n'));
    const first = runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' });
    await expect(runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' })).rejects.toThrow(/W bizdate 20240620 \(dev\): s is already (waiting|running) in process \d+/);
    expect((await first).ok).toBe(true);
    expect(existsSync(join(tw.dir, '.ferry', 'logs', 'dev', 'W', '20240620', 's.log'))).toBe(true);
  });
});
