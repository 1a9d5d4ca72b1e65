/**
 * `ferry import datax` on real DataX job files (test/fixtures/datax, from
 * DataX's docs), then `ferry run` of the result against the real MariaDB and
 * local files; every key that cannot be carried over is listed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers.js';
import { createDatabase, sql } from './mariadb.js';

const FIXTURES = join(ROOT, 'test/fixtures/datax');
const SECRET = 'datax-secret-pw';

describe('ferry import datax', () => {
  const tmp = tempDir('ferry-datax-');
  const store = join(tmp.dir, 'store');
  let db: ReturnType<typeof createDatabase>;

  /** Copies a fixture into the temp folder, pointed at this test's database. */
  const fixture = (name: string) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, readFileSync(join(FIXTURES, name), 'utf8').replaceAll('ferry_datax_fixture', db.name));
    return path;
  };
  const env = { FERRY_MYSQL_PASSWORD: '', FERRY_STORE: store };

  beforeAll(() => {
    db = createDatabase('ferry_test_datax_');
    sql(`CREATE TABLE datax_src (id INT PRIMARY KEY, name VARCHAR(32)); INSERT INTO datax_src VALUES (1,'alpha'),(2,'beta'),(3,NULL),(4,'delta'),(5,'epsilon');`, db.name);
  });
  afterAll(() => {
    db?.drop();
    tmp.cleanup();
  });

  it('mysqlreader example: converts with the password moved to the environment, lists print, and runs', async () => {
    const src = fixture('mysqlreader.json');
    const out = join(tmp.dir, 'mysql-job.json');
    const imp = await runCli(['import', 'datax', src, '-o', out]);
    expect(imp.code).toBe(3);
    expect(imp.stderr).toContain('not carried over: job.content[0].writer.parameter.print:');
    expect(imp.stderr).toContain('FERRY_MYSQL_PASSWORD');
    const job = JSON.parse(readFileSync(out, 'utf8'));
    expect(job.reader).toMatchObject({
      plugin: 'mysql',
      url: `jdbc:mysql://127.0.0.1:3306/${db.name}`,
      table: 'datax_src',
      columns: ['id', 'name'],
      splitPk: 'id',
      password: '${env:FERRY_MYSQL_PASSWORD}',
    });
    expect(job.setting).toEqual({ channel: 3, errorLimit: { records: 0, percentage: 0.02 } });
    expect(readFileSync(out, 'utf8') + imp.stdout + imp.stderr).not.toContain(SECRET);
    const run = await runCli(['run', out, '--json'], { env });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', recordsRead: 5 });
  });

  it('rdbmsreader example: querySql and speed.byte carry over; the rows land in the table store', async () => {
    const src = fixture('rdbmsreader.json');
    const out = join(tmp.dir, 'rdbms-job.json');
    const imp = await runCli(['import', 'datax', src, '-o', out]);
    expect(imp.stderr).toContain('converted completely');
    expect(imp.code).toBe(0);
    const job = JSON.parse(readFileSync(out, 'utf8'));
    expect(job.reader.querySql).toBe('SELECT id, name FROM datax_src WHERE id <= 3');
    expect(job.setting.speed).toEqual({ bytes: 1048576 });
    const ddl = await runCli(['table', 'create', '--store', store, '--sql', 'CREATE TABLE datax_dst (id BIGINT, name STRING) PARTITIONED BY (pt STRING)']);
    expect(ddl.code).toBe(0);
    const run = await runCli(['run', out, '--bizdate', '20240101', '--quiet'], { env });
    expect(run.code, run.stderr).toBe(0);
    const exp = await runCli(['table', 'export', 'datax_dst', '--store', store, '--partition', 'pt=20240101', '--format', 'csv']);
    expect(exp.stdout.trim().split(/\r?\n/).slice(-3)).toEqual(['1,alpha,20240101', '2,beta,20240101', '3,,20240101']);
  });

  it('txtfilereader example: a local glob, typed columns and a date layout land in the table store', async () => {
    const src = fixture('txtfilereader.json');
    mkdirSync(join(tmp.dir, 'case00'));
    writeFileSync(join(tmp.dir, 'case00/data1'), '1,true,1.5,"one, uno",2015.01.01\n2,false,-2.25,two,2015.12.31\n');
    writeFileSync(join(tmp.dir, 'case00/data2'), '3,true,0,\\N,2016.02.29\n');
    const out = join(tmp.dir, 'txt-job.json');
    const imp = await runCli(['import', 'datax', src, '-o', out]);
    expect(imp.code, imp.stderr).toBe(0);
    const job = JSON.parse(readFileSync(out, 'utf8'));
    expect(job.reader).toMatchObject({ plugin: 'file', path: 'case00/data*', format: 'csv', nullFormat: '\\N' });
    expect(job.writer).toEqual({ plugin: 'table', table: 'default.case00', partition: 'pt=20150101', writeMode: 'overwrite' });
    const ddl = await runCli(['table', 'create', '--store', store, '--sql', 'CREATE TABLE case00 (id BIGINT, flag BOOLEAN, score DOUBLE, name STRING, day DATE) PARTITIONED BY (pt STRING)']);
    expect(ddl.code, ddl.stderr).toBe(0);
    const run = await runCli(['run', out, '--quiet'], { env });
    expect(run.code, run.stderr).toBe(0);
    const exp = await runCli(['table', 'export', 'case00', '--store', store, '--format', 'jsonl']);
    expect(
      exp.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .sort((a, b) => a.id - b.id),
    ).toEqual([
      { id: 1, flag: true, score: 1.5, name: 'one, uno', day: '2015-01-01', pt: '20150101' },
      { id: 2, flag: false, score: -2.25, name: 'two', day: '2015-12-31', pt: '20150101' },
      { id: 3, flag: true, score: 0, name: null, day: '2016-02-29', pt: '20150101' },
    ]);
  });

  it('lists every key it cannot carry over, one line each, and exits 3', async () => {
    const src = join(tmp.dir, 'unsupported.json');
    writeFileSync(
      src,
      JSON.stringify({
        job: {
          setting: { speed: { channel: '2' }, errorLimit: { record: '5' } },
          content: [
            {
              reader: {
                name: 'mysqlreader',
                parameter: {
                  username: 'root',
                  password: SECRET,
                  column: ['*'],
                  session: ['SET NAMES utf8mb4'],
                  preSql: ['DELETE FROM x'],
                  connection: [{ table: ['t_[0-2]'], jdbcUrl: [`jdbc:mysql://127.0.0.1:3306/${db.name}?password=${SECRET}`, 'jdbc:mysql://10.0.0.2:3306/x'] }],
                },
              },
              writer: { name: 'odpswriter', parameter: { table: 't', postSql: ['select 1'], emptyAsNull: true, truncate: false } },
              transformer: [{ name: 'dx_substr', parameter: { columnIndex: 1, paras: ['1', '3'] } }],
            },
            { reader: { name: 'streamreader', parameter: {} }, writer: { name: 'streamwriter', parameter: {} } },
          ],
        },
      }),
    );
    const imp = await runCli(['import', 'datax', src]);
    expect(imp.code).toBe(3);
    const lines = imp.stderr
      .split('\n')
      .filter((l) => l.startsWith('not carried over: '))
      .map((l) => l.slice(18).split(':')[0]);
    expect(lines.sort()).toEqual([
      'job.content[0].reader.parameter.connection[0].jdbcUrl[1..]',
      'job.content[0].reader.parameter.preSql',
      'job.content[0].reader.parameter.session',
      'job.content[0].transformer',
      'job.content[0].writer.parameter.emptyAsNull',
      'job.content[0].writer.parameter.postSql',
      'job.content[1..]',
    ]);
    const job = JSON.parse(imp.stdout);
    expect(job.reader.table).toEqual(['t_0', 't_1', 't_2']);
    expect(job.reader.url).toBe(`jdbc:mysql://127.0.0.1:3306/${db.name}`);
    expect(job.writer.writeMode).toBe('append');
    expect(job.setting).toEqual({ channel: 2, errorLimit: { records: 5 } });
    expect(imp.stdout + imp.stderr).not.toContain(SECRET);
  });

  it('lists zip and bzip2 compression of a txtfilereader as not carried over', async () => {
    for (const compress of ['zip', 'bzip2']) {
      const src = join(tmp.dir, `compress-${compress}.json`);
      writeFileSync(
        src,
        JSON.stringify({
          job: {
            content: [{ reader: { name: 'txtfilereader', parameter: { path: ['/data/*.log'], compress, column: [{ index: 0, type: 'string' }] } }, writer: { name: 'streamwriter', parameter: {} } }],
          },
        }),
      );
      const imp = await runCli(['import', 'datax', src]);
      expect(imp.code).toBe(3);
      expect(imp.stderr).toContain(`not carried over: job.content[0].reader.parameter.compress: "${compress}" files are not supported`);
    }
  });

  it('converts DataWorks script-mode JSON (steps with stepType)', async () => {
    const src = join(tmp.dir, 'dataworks.json');
    writeFileSync(
      src,
      JSON.stringify({
        type: 'job',
        version: '2.0',
        steps: [
          {
            stepType: 'mysql',
            category: 'reader',
            name: 'Reader',
            parameter: { datasource: 'crm', column: ['id', 'name'], connection: [{ datasource: 'crm', table: ['users'] }], where: '', splitPk: 'id', encoding: 'UTF-8' },
          },
          { stepType: 'odps', category: 'writer', name: 'Writer', parameter: { datasource: 'odps_first', table: 'ods_users', partition: 'dt=${bizdate}', truncate: true, column: ['id', 'name'] } },
        ],
        setting: { errorLimit: { record: '0' }, speed: { throttle: false, concurrent: 2 } },
        order: { hops: [{ from: 'Reader', to: 'Writer' }] },
      }),
    );
    const imp = await runCli(['import', 'datax', src]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toEqual({
      reader: { plugin: 'mysql', datasource: 'crm', table: 'users', columns: ['id', 'name'], splitPk: 'id' },
      writer: { plugin: 'table', table: 'ods_users', partition: 'dt=${bizdate}', writeMode: 'overwrite', columns: ['id', 'name'] },
      setting: { channel: 2, errorLimit: { records: 0 } },
    });
  });

  it('ferry run on a DataX job says to import it first; DataX keys in a ferry job point to their ferry names', async () => {
    const run = await runCli(['run', join(FIXTURES, 'mysqlreader.json')], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('this is a DataX job');
    expect(run.stderr).toContain('ferry import datax');
    const cases: [object, string][] = [
      [{ reader: { plugin: 'generate' }, writer: { plugin: 'null' }, setting: { speed: { channel: 2 } } }, 'setting.speed.channel: the channel count is setting.channel'],
      [{ reader: { plugin: 'mysql', connection: [{ jdbcUrl: ['jdbc:mysql://h/db'], table: ['t'] }] }, writer: { plugin: 'null' } }, "reader.connection: DataX's connection list; ferry takes url"],
    ];
    for (const [job, msg] of cases) {
      const path = join(tmp.dir, 'hint.json');
      writeFileSync(path, JSON.stringify(job));
      const r = await runCli(['run', path], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });
});
