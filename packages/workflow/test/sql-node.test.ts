import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWorkflowInstance, type NodeRecord } from '@ferry/workflow';
import { listPartitions, openStore, scanBatches } from '@ferry/writer-table';
import { generateJob, PLUGINS, testWorkspace, workspaceYaml, type TestWorkspace } from './helpers.js';

let tw: TestWorkspace;
beforeEach(async () => {
  tw = testWorkspace();
  await tw.ddl('p_dev', 'CREATE TABLE t (id BIGINT) PARTITIONED BY (dt STRING);');
  mkdirSync(join(tw.dir, 'sql'));
  writeFileSync(
    join(tw.dir, 'sql', 'agg.sql'),
    `-- the day's count and sum of ids
CREATE TABLE IF NOT EXISTS agg (n BIGINT, total BIGINT) PARTITIONED BY (dt STRING);
INSERT OVERWRITE TABLE agg PARTITION (dt='\${bizdate}')
SELECT count(*), sum(id) FROM t WHERE dt = '\${bizdate}';
SELECT n, total, dt FROM agg WHERE dt = '$bizdate';
`,
  );
});
afterEach(() => tw.cleanup());

async function withStore<T>(fn: (s: ReturnType<typeof openStore>) => Promise<T>): Promise<T> {
  const store = openStore(join(tw.dir, '.ferry'));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('sql nodes', () => {
  it('run after the sync node they depend on, with scheduling parameters filled, writing the aggregate', async () => {
    tw.job('load.json', generateJob(300));
    const ws = await tw.load(
      workspaceYaml(`      load: { type: sync, job: jobs/load.json }
      agg: { type: sql, file: sql/agg.sql, depends: [load] }
`),
    );
    const events: string[] = [];
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' }, { onNode: (n: string, rec: NodeRecord) => void events.push(`${n}:${rec.state}`) });
    expect(r.ok).toBe(true);
    expect(events.indexOf('load:succeeded')).toBeLessThan(events.indexOf('agg:running'));
    expect(r.nodes.agg!.rows).toBe(1);
    const { want, got } = await withStore(async (store) => {
      let n = 0n;
      let total = 0n;
      for await (const b of scanBatches(store, 'p_dev', 't', 'dt=20240620')) {
        for (const v of b.getChild('id')!) {
          n++;
          total += BigInt(v as bigint);
        }
      }
      const rows: unknown[] = [];
      for await (const b of scanBatches(store, 'p_dev', 'agg', 'dt=20240620')) rows.push(...b.toArray().map((x) => x.toJSON()));
      return { want: { n, total }, got: rows };
    });
    expect(want.n).toBe(300n);
    expect(got).toEqual([{ n: want.n, total: want.total }]);
    // The closing SELECT's rows are in the node log, as a table; the INSERT says what it wrote.
    const log = readFileSync(join(tw.dir, '.ferry', 'logs', 'dev', 'W', '20240620', 'agg.log'), 'utf8');
    expect(log).toMatch(/INSERT OVERWRITE p_dev\.agg partition dt=20240620: 1 row\(s\) written/);
    expect(log).toMatch(new RegExp(`INFO n +\\| total +\\| dt\\n.*\\n.*INFO 300 +\\| ${want.total} +\\| 20240620\\n.*INFO \\(1 row\\)`));
  });

  it('a failing statement fails the node, holds back its children and leaves the target partition as it was', async () => {
    tw.job('load.json', generateJob(10));
    const ws = await tw.load(
      workspaceYaml(`      load: { type: sync, job: jobs/load.json }
      agg: { type: sql, file: sql/agg.sql, depends: [load] }
      bad: { type: sql, sql: "INSERT OVERWRITE TABLE agg PARTITION (dt='\${bizdate}') SELECT 1, error('bad row')", depends: [agg] }
      after: { type: virtual, depends: [bad] }
`),
    );
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' }, {});
    expect(r.ok).toBe(false);
    expect(r.nodes.bad!.state).toBe('failed');
    expect(r.nodes.after!.state).toBe('not run');
    expect(r.nodes.after!.reason).toMatch(/upstream failed: bad failed/);
    // agg's row (10 ids), not the failed statement's (1, ...).
    expect(await withStore(async (s) => listPartitions(s, 'p_dev', 'agg').map((p) => [p.spec, p.rows]))).toEqual([['dt=20240620', 1]]);
    const rows = await withStore(async (s) => {
      const out: unknown[] = [];
      for await (const b of scanBatches(s, 'p_dev', 'agg', 'dt=20240620')) out.push(...b.toArray().map((x) => x.toJSON().n));
      return out;
    });
    expect(rows).toEqual([10n]);
  });

  it('a sql node needs file or sql, its file must exist, and an unknown parameter fails naming it', async () => {
    await expect(
      tw.load(
        workspaceYaml(`      agg: { type: sql }
`),
      ),
    ).rejects.toThrow(/a sql node needs its SQL in "file" or inline in "sql"/);
    // A missing file is a load error, as a sync node's missing job file is (not a failure at run time).
    await expect(
      tw.load(
        workspaceYaml(`      agg: { type: sql, file: sql/nosuch.sql }
`),
      ),
    ).rejects.toThrow(/ferry\.yaml: workflows\.W\.nodes\.agg\.file: SQL file not found: .*sql\/nosuch\.sql$/);
    const ws = await tw.load(
      workspaceYaml(`      q: { type: sql, sql: "SELECT '\${nope}'" }
`),
    );
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' }, {});
    expect(r.ok).toBe(false);
    expect(r.nodes.q!.reason).toMatch(/unknown parameter \$\{nope\}/);
  });
});

describe('table lineage', () => {
  it('a sql node reading a table another node writes depends on it; a cycle it makes is an error at load time', async () => {
    tw.job('load.json', generateJob(5));
    writeFileSync(join(tw.dir, 'sql', 'top.sql'), "INSERT OVERWRITE TABLE top PARTITION (dt='${bizdate}') SELECT max(total) FROM agg");
    const ws = await tw.load(
      workspaceYaml(`      top: { type: sql, file: sql/top.sql }
      agg: { type: sql, file: sql/agg.sql }
      load: { type: sync, job: jobs/load.json }
`),
    );
    const wf = ws.workflows.W!;
    expect(wf.nodes.agg!.depends).toEqual(['load']);
    expect(wf.nodes.top!.depends).toEqual(['agg']);
    expect(wf.order).toEqual(['load', 'agg', 'top']);
    expect(wf.lineage).toEqual({
      load: { reads: [], writes: ['t'], sources: ['generate'], derived: [] },
      agg: { reads: ['t'], writes: ['agg'], sources: [], derived: ['load'] },
      top: { reads: ['agg'], writes: ['top'], sources: [], derived: ['agg'] },
    });
    await expect(
      tw.load(
        workspaceYaml(`      top: { type: sql, file: sql/top.sql }
      agg: { type: sql, file: sql/agg.sql, depends: [top] }
      load: { type: sync, job: jobs/load.json }
`),
      ),
    ).rejects.toThrow(/dependency cycle (agg -> top -> agg|top -> agg -> top) \(with the dependencies table lineage adds/);
  });
});

describe('table lineage with projects', () => {
  it('a name qualified by an environment project is the environment table; another project is another table', async () => {
    tw.job('load.json', generateJob(5));
    tw.job('other.json', generateJob(5, { table: 'elsewhere.t' }));
    const ws = await tw.load(
      workspaceYaml(`      load: { type: sync, job: jobs/load.json }
      other: { type: sync, job: jobs/other.json }
      prodq: { type: sql, sql: "INSERT OVERWRITE TABLE p_prod.agg PARTITION (dt='1') SELECT count(*), 0 FROM p_dev.t" }
      foreign: { type: sql, sql: "SELECT count(*) FROM elsewhere.t" }
`),
    );
    const l = ws.workflows.W!.lineage!;
    expect(l.other!.writes).toEqual(['elsewhere.t']);
    expect(l.prodq).toEqual({ reads: ['t'], writes: ['agg'], sources: [], derived: ['load'] });
    expect(l.foreign).toEqual({ reads: ['elsewhere.t'], writes: [], sources: [], derived: ['other'] });
  });
});

describe('table lineage and string literals', () => {
  it('a table name inside a string is text, not a read: no dependency, no false cycle', async () => {
    const ws = await tw.load(
      workspaceYaml(`      a: { type: sql, sql: "INSERT OVERWRITE TABLE ta SELECT 'tb' AS note, 'it''s tb' AS n2" }
      b: { type: sql, sql: "INSERT OVERWRITE TABLE tb SELECT * FROM ta" }
`),
    );
    const wf = ws.workflows.W!;
    expect(wf.lineage!.a).toEqual({ reads: [], writes: ['ta'], sources: [], derived: [] });
    expect(wf.nodes.b!.depends).toEqual(['a']);
  });
});

describe('function lineage', () => {
  it('a sql node calling a function another node creates runs after it; a temporary one or a mere mention does not count', async () => {
    writeFileSync(join(tw.dir, 'sql', 'fns.sql'), 'CREATE OR REPLACE FUNCTION twice(x) AS x * 2;\nCREATE TEMPORARY FUNCTION local_only(x) AS x;');
    const ws = await tw.load(
      workspaceYaml(`      use: { type: sql, sql: "INSERT OVERWRITE TABLE out SELECT Twice (1), local_only(2)" }
      fns: { type: sql, file: sql/fns.sql }
      other: { type: sql, sql: "SELECT 'twice(1)' AS s, 1 AS twice" }
      qualified: { type: sql, sql: "SELECT p_dev.twice(3)" }
`),
    );
    const wf = ws.workflows.W!;
    expect(wf.nodes.use!.depends).toEqual(['fns']);
    expect(wf.lineage!.use).toEqual({ reads: [], writes: ['out'], sources: [], derived: ['fns'] });
    expect(wf.nodes.other!.depends).toEqual([]);
    expect(wf.nodes.qualified!.depends).toEqual(['fns']);
    expect(wf.order.indexOf('fns')).toBeLessThan(wf.order.indexOf('use'));
    // Two nodes that each create and call the same helper use their own: no dependency, no cycle.
    const two = await tw.load(
      workspaceYaml(`      a: { type: sql, sql: "CREATE OR REPLACE FUNCTION h(x) AS x + 1; SELECT h(1)" }
      b: { type: sql, sql: "CREATE OR REPLACE FUNCTION h(x) AS x + 1; SELECT h(2)" }
`),
    );
    expect([two.workflows.W!.nodes.a!.depends, two.workflows.W!.nodes.b!.depends]).toEqual([[], []]);
  });
});

describe('lineage sources', () => {
  it('show a sync source without the secrets its path or table may hold', async () => {
    tw.job('tok.json', {
      reader: { plugin: 'httpfile', url: 'http://carol:InlinePw7575@127.0.0.1:1/', path: 'x.txt?token=TokPw8686&n=1', format: 'text' },
      writer: { plugin: 'table', table: 't', partition: 'dt=${bizdate}' },
    });
    const ws = await tw.load(
      workspaceYaml(`      tok: { type: sync, job: jobs/tok.json }
`),
    );
    expect(ws.workflows.W!.lineage!.tok!.sources).toEqual(['httpfile:x.txt?token=***&n=1']);
  });
});

describe('sql node errors', () => {
  it('point at the line and column of the node file as written, parameters and MaxCompute spellings included', async () => {
    writeFileSync(
      join(tw.dir, 'sql', 'bad.sql'),
      `-- a broken node
INSERT OVERWRITE TABLE agg PARTITION (dt='\${bizdate}')
SELECT count(*),
       sum(id) FROM t WHERE dt = '\${bizdate}' AND split('a', ',')[0] RLIKE 'a' AND getregon(id) = 1;
`,
    );
    tw.job('load.json', generateJob(5));
    const ws = await tw.load(
      workspaceYaml(`      load: { type: sync, job: jobs/load.json }
      agg: { type: sql, file: sql/agg.sql, depends: [load] }
      bad: { type: sql, file: sql/bad.sql, depends: [agg] }
`),
    );
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' }, {});
    expect(r.nodes.bad!.state).toBe('failed');
    const col = "sum(id) FROM t WHERE dt = '${bizdate}' AND split('a', ',')[0] RLIKE 'a' AND ".length + 8;
    expect(r.nodes.bad!.reason).toMatch(new RegExp(`sql/bad\\.sql:4:${col}: unknown function getregon\\(\\)`));
    expect(r.nodes.bad!.reason).not.toContain('\n');
  });

  it('errorLimit leaves out rows that do not fit, up to the limit', async () => {
    await tw.ddl('p_dev', 'CREATE TABLE tiny (n TINYINT) PARTITIONED BY (dt STRING);');
    tw.job('load.json', generateJob(300));
    const ws = await tw.load(
      workspaceYaml(`      load: { type: sync, job: jobs/load.json }
      fits: { type: sql, sql: "INSERT OVERWRITE TABLE tiny PARTITION (dt='\${bizdate}') SELECT id FROM t WHERE dt='\${bizdate}'", depends: [load], errorLimit: 200 }
      strict: { type: sql, sql: "INSERT OVERWRITE TABLE tiny PARTITION (dt='x') SELECT id FROM t WHERE dt='\${bizdate}'", depends: [fits] }
`),
    );
    const r = await runWorkflowInstance(ws, 'W', { plugins: PLUGINS, bizdate: '20240620' }, {});
    const rows = await withStore(async (s) => listPartitions(s, 'p_dev', 'tiny').map((p) => [p.spec, p.rows]));
    // generate's ids: those within -128..127 fit TINYINT.
    const fit = await withStore(async (s) => {
      let n = 0;
      for await (const b of scanBatches(s, 'p_dev', 't', 'dt=20240620')) for (const v of b.getChild('id')!) if (Number(v) >= -128 && Number(v) <= 127) n++;
      return n;
    });
    expect(fit).toBeGreaterThanOrEqual(100);
    expect(r.nodes.fits!.state).toBe('succeeded');
    expect(rows).toEqual([['dt=20240620', fit]]);
    expect(r.nodes.strict!.state).toBe('failed');
    expect(r.nodes.strict!.reason).toMatch(/^node strict sql:1:1: .*column n of p_dev\.tiny: value -?\d+ does not fit TINYINT/);
  });
});
