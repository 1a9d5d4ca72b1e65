/**
 * Split boundaries and the resume key reach the server as hex literals in
 * the column's character set and collation, so no sql_mode can reread them:
 * here the session runs with NO_BACKSLASH_ESCAPES (set through the url's
 * sessionVariables), where a backslash-escaped quote ends the string.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import plugin from '@ferry/reader-mysql';
import { available, channelContext, columnValues, configOf, createDb, errorOf, jobContext, readAll, warnIfSkipped, type TestDb } from './helpers.js';

warnIfSkipped('sql-mode.test.ts');

let db: TestDb;
let url: string;
const N = 200;
const BIG = 50_000;
// Every key ends in a quote that closes the range under NO_BACKSLASH_ESCAPES when quoted with backslashes.
const attack = (seq: string) => `CONCAT('P', LPAD(${seq}, 6, '0'), IF(${seq} % 2 = 0, CHAR(92), ''), CHAR(39), ' OR 1=1)#')`;

describe.skipIf(!available)('split keys under sql_mode NO_BACKSLASH_ESCAPES', () => {
  beforeAll(async () => {
    db = await createDb();
    url = `${db.url}?sessionVariables=sql_mode='NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES'`;
    await db.exec(`CREATE TABLE evil (code VARCHAR(40) NOT NULL PRIMARY KEY, v INT) COLLATE utf8mb4_general_ci`);
    await db.exec(`INSERT INTO evil SELECT ${attack('seq')}, seq FROM seq_1_to_${N}`);
    // Another character set and collation: the literal must compare as the column does.
    await db.exec(`CREATE TABLE latin (code VARCHAR(40) NOT NULL PRIMARY KEY, v INT) CHARACTER SET latin1 COLLATE latin1_german1_ci`);
    await db.exec(`INSERT INTO latin SELECT CONCAT(CHAR(192 + seq % 40 USING latin1), ${attack('seq')}), seq FROM seq_1_to_${N}`);
    await db.exec(`CREATE TABLE evil_big (code VARCHAR(40) NOT NULL PRIMARY KEY, pad VARCHAR(200))`);
    await db.exec(`INSERT INTO evil_big SELECT ${attack('seq')}, REPEAT('x', 200) FROM seq_1_to_${BIG}`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('the reader session really runs in that mode', async () => {
    const { batches } = await readAll({ url, querySql: 'SELECT @@sql_mode AS m' });
    expect(columnValues(batches, 'm')).toEqual(['NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES']);
  });

  it('refuses sessionVariables it cannot pass safely, naming the key', async () => {
    const err = await errorOf(plugin.schema(configOf({ url: `${db.url}?sessionVariables=sql_mode='a\\'b'`, table: 'evil' }), jobContext()));
    expect(err.code).toBe('FERRY_ERR_CONFIG');
    expect(err.message).toMatch(/^mysql: url: sessionVariables: expected name=value/);
  });

  it('string split boundaries with quotes and backslashes give exactly the table rows', async () => {
    for (const table of ['evil', 'latin']) {
      const { splits, batches } = await readAll({ url, table, splitPk: 'code' }, 4);
      expect(splits.length, table).toBeGreaterThan(4);
      const v = (columnValues(batches, 'v') as number[]).sort((a, b) => a - b);
      expect(v, table).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    }
  });

  it('a split resumed after a lost connection continues after its last string key', async () => {
    const config = configOf({ url, table: 'evil_big', splitPk: 'code', batchRows: 1000 });
    const ctx = jobContext();
    const schema = await plugin.schema(config, ctx);
    const [split] = await plugin.split(config, { ...ctx, advice: 1 });
    expect(split!.resume?.kind).toBe('string');
    const counts: Record<string, number> = {};
    const it = plugin.read(split!, channelContext(config, schema, counts))[Symbol.asyncIterator]();
    const batches: RecordBatch[] = [(await it.next()).value];
    const rows = (await db.exec(`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE '%FROM \`evil_big\`%' AND ID <> CONNECTION_ID()`)) as { id: number }[];
    expect(rows.length).toBe(1);
    await db.exec(`KILL CONNECTION ${rows[0]!.id}`);
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      batches.push(r.value);
    }
    expect(counts.mysqlReconnects).toBe(1);
    const codes = columnValues(batches, 'code') as string[];
    expect(codes.length).toBe(BIG);
    expect(new Set(codes).size).toBe(BIG);
  });
});
