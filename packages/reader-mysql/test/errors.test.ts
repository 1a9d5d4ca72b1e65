import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import plugin from '@ferry/reader-mysql';
import { available, columnValues, configOf, createDb, errorOf, jobContext, readAll, warnIfSkipped, type TestDb } from './helpers.js';

warnIfSkipped('errors.test.ts');

let db: TestDb;
const user = `ferry_u_${randomBytes(3).toString('hex')}`;
const secret = `pw-${randomBytes(6).toString('hex')}`;

async function schemaError(raw: Record<string, unknown>) {
  return errorOf(plugin.schema(configOf(raw), jobContext()));
}

describe.skipIf(!available)('errors name what is wrong, before any data moves', () => {
  beforeAll(async () => {
    db = await createDb();
    await db.exec(`CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(10))`);
    await db.exec(`INSERT INTO t VALUES (1, 'a'), (2, 'b')`);
    for (const host of ['%', 'localhost', '127.0.0.1']) {
      await db.exec(`CREATE USER '${user}'@'${host}' IDENTIFIED BY '${secret}'`);
      await db.exec(`GRANT SELECT ON \`${db.name}\`.* TO '${user}'@'${host}'`);
    }
  });
  afterAll(async () => {
    if (db) for (const host of ['%', 'localhost', '127.0.0.1']) await db.exec(`DROP USER IF EXISTS '${user}'@'${host}'`);
    await db?.drop();
  });

  it('reads with a password from the environment, in the JDBC url form', async () => {
    process.env.FERRY_TEST_MYSQL_PW = secret;
    try {
      const { batches } = await readAll({ url: `jdbc:mysql://127.0.0.1:3306/${db.name}?useUnicode=true`, username: user, password: '${env:FERRY_TEST_MYSQL_PW}', table: 't' });
      expect(columnValues(batches, 'name')).toEqual(['a', 'b']);
    } finally {
      delete process.env.FERRY_TEST_MYSQL_PW;
    }
  });

  it('names the unset environment variable of the password', async () => {
    delete process.env.FERRY_TEST_MYSQL_UNSET;
    const err = await schemaError({ url: `mysql://${user}@127.0.0.1:3306/${db.name}`, password: '${env:FERRY_TEST_MYSQL_UNSET}', table: 't' });
    expect(err.code).toBe('FERRY_ERR_CONFIG');
    expect(err.message).toBe('mysql: password: environment variable FERRY_TEST_MYSQL_UNSET is not set');
  });

  it('reports a wrong password as access denied, without the password', async () => {
    const err = await schemaError({ url: `mysql://${user}:wrong-${secret}@127.0.0.1:3306/${db.name}`, table: 't' });
    expect(err.code).toBe('FERRY_ERR_CONFIG');
    expect(err.message).toMatch(new RegExp(`^mysql: access denied for user '${user}'@'[^']+' at 127\\.0\\.0\\.1:3306 \\(check username/password\\)$`));
    expect(err.message).not.toContain(secret);
  });

  it('names the url part with a bad % escape, not "URI malformed", and never shows the password', async () => {
    const err = await schemaError({ url: `mysql://${user}:100%sure@127.0.0.1:3306/${db.name}`, table: 't' });
    expect(err.code).toBe('FERRY_ERR_CONFIG');
    expect(err.message).toBe('mysql: url: the password has a bad % escape (write a literal % as %25, or put the password in the "password" key)');
    const db2 = await schemaError({ url: `mysql://root@127.0.0.1:3306/bad%zzdb`, table: 't' });
    expect(db2.message).toMatch(/^mysql: url: the database name has a bad % escape/);
  });

  it('reports a refused connection with host and port', async () => {
    const err = await schemaError({ url: `mysql://root@127.0.0.1:1/${db.name}`, table: 't' });
    expect(err.code).toBe('FERRY_ERR_SOURCE');
    expect(err.message).toBe('mysql: cannot connect to 127.0.0.1:1: connection refused (is the server running and the port right?)');
  });

  it('reports an unknown host as a DNS failure', async () => {
    const err = await schemaError({ url: `mysql://root@no-such-host.invalid:3306/${db.name}`, table: 't' });
    expect(err.code).toBe('FERRY_ERR_SOURCE');
    expect(err.message).toMatch(/^mysql: unknown host "no-such-host\.invalid": DNS lookup failed \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)$/);
  });

  it('reports an unknown database', async () => {
    const err = await schemaError({ url: `mysql://root@127.0.0.1:3306/${db.name}_nope`, table: 't' });
    expect(err.code).toBe('FERRY_ERR_CONFIG');
    expect(err.message).toBe(`mysql: database ${db.name}_nope does not exist (127.0.0.1:3306)`);
  });

  it('reports an unknown table', async () => {
    const err = await schemaError({ url: `mysql://root@127.0.0.1:3306/${db.name}`, table: 'ods_user_info_x' });
    expect(err.code).toBe('FERRY_ERR_CONFIG');
    expect(err.message).toBe(`mysql: table ${db.name}.ods_user_info_x does not exist (127.0.0.1:3306)`);
  });

  it('reports an unknown column, in the columns or in where', async () => {
    const a = await schemaError({ url: db.url, table: 't', columns: ['id', 'nope'] });
    expect(a.code).toBe('FERRY_ERR_CONFIG');
    // MariaDB 10.11 says 'SELECT' where MySQL says 'field list'.
    expect(a.message).toMatch(/^mysql: unknown column 'nope' in '(field list|SELECT)' \(table t at 127\.0\.0\.1:3306\)$/);
    const b = await schemaError({ url: db.url, table: 't', where: 'nope > 1' });
    expect(b.message).toMatch(/^mysql: unknown column 'nope' in '(where clause|WHERE)' \(table t at 127\.0\.0\.1:3306\)$/);
  });

  it('reports SQL syntax errors of querySql', async () => {
    const err = await schemaError({ url: db.url, querySql: 'SELEC id FROM t' });
    expect(err.code).toBe('FERRY_ERR_CONFIG');
    expect(err.message).toMatch(/^mysql: SQL syntax error \(querySql at 127\.0\.0\.1:3306\): near 'SELEC id FROM t' at line 1$/);
  });

  it('refuses a config with both table and querySql, or neither, when the job is validated (no hook re-checks it)', () => {
    expect(() => configOf({ url: db.url, table: 't', querySql: 'SELECT 1' })).toThrow('reader.querySql: give either "table" or "querySql", not both');
    expect(() => configOf({ url: db.url })).toThrow('reader: give "table" (with optional columns/where) or "querySql"');
    expect(() => configOf({ url: db.url, querySql: 'SELECT 1', incremental: { column: 'id' } })).toThrow('reader.incremental: "incremental" applies to "table"');
  });

  it('refuses a url that is not mysql://', async () => {
    const err = await schemaError({ url: 'postgres://u:secret@h/db', table: 't' });
    expect(err.message).toBe('mysql: url: expected a mysql:// or jdbc:mysql:// url, got protocol postgres:');
  });

  it('reports TLS asked of a server that does not offer it', async () => {
    const rows = (await db.exec(`SHOW VARIABLES LIKE 'have_ssl'`)) as { Value: string }[];
    if (rows[0]?.Value === 'YES') return; // this server speaks TLS: nothing to refuse
    const err = await schemaError({ url: db.url, table: 't', ssl: true });
    expect(err.code).toBe('FERRY_ERR_SOURCE');
    expect(err.message).toMatch(/^mysql: TLS with 127\.0\.0\.1:3306 failed: /);
    // The JDBC spellings users copy from Connector/J ask for TLS too: none may fall back to plain text.
    const jdbc = db.url.replace(/^mysql:\/\/root@/, 'jdbc:mysql://').replace(/\/?$/, '');
    for (const query of ['useSSL=true', 'usessl=true', 'sslMode=REQUIRED', 'sslmode=required', 'SSL-MODE=VERIFY_CA']) {
      const e = await schemaError({ url: `${jdbc}?user=root&${query}`, table: 't' });
      expect(e.message, query).toMatch(/^mysql: TLS with 127\.0\.0\.1:3306 failed: /);
    }
  });

  it('check reports the server version and that the table can be read', async () => {
    const report = await plugin.check!(configOf({ url: db.url, table: 't' }), jobContext());
    expect(report.ok).toBe(true);
    expect(report.message).toMatch(/^connected to 127\.0\.0\.1:3306 as root \((MariaDB|MySQL) [\d.]+\) in \d+ ms; can read table t$/);
    expect(report.details?.version).toMatch(/^(MariaDB|MySQL) /);
  });

  it('check reports a wrong password as not ok, in one line', async () => {
    const report = await plugin.check!(configOf({ url: `mysql://${user}:bad@127.0.0.1:3306/${db.name}`, table: 't' }), jobContext());
    expect(report.ok).toBe(false);
    expect(report.message).toMatch(/^mysql: access denied for user/);
  });
});
