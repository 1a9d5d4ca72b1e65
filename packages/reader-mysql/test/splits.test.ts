import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { available, columnValues, createDb, errorOf, quietLog, readAll, warnIfSkipped, type TestDb } from './helpers.js';

warnIfSkipped('splits.test.ts');

let db: TestDb;
const N = 5000;

describe.skipIf(!available)('splits', () => {
  beforeAll(async () => {
    db = await createDb();
    // Gaps in the key, a nullable key with NULLs, a string key, no key at all.
    await db.exec(`CREATE TABLE ints (id BIGINT NOT NULL PRIMARY KEY, nk INT NULL, name VARCHAR(20), KEY (nk))`);
    await db.exec(`INSERT INTO ints SELECT CAST(seq AS SIGNED) * 3 - 1000, IF(seq % 10 = 0, NULL, seq % 700), CONCAT('n', seq) FROM seq_1_to_${N}`);
    await db.exec(`CREATE TABLE strs (code VARCHAR(32) NOT NULL PRIMARY KEY, v INT) COLLATE utf8mb4_general_ci`);
    await db.exec(`INSERT INTO strs SELECT CONCAT(CHAR(65 + seq % 26), '-', LPAD(seq, 6, '0'), IF(seq % 3 = 0, '😀', '')), seq FROM seq_1_to_${N}`);
    await db.exec(`CREATE TABLE nokey (v INT, s VARCHAR(10))`);
    await db.exec(`INSERT INTO nokey SELECT seq, 'x' FROM seq_1_to_1000`);
    for (const shard of ['user_00', 'user_01', 'user_02']) {
      await db.exec(`CREATE TABLE ${shard} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20))`);
      await db.exec(`INSERT INTO ${shard} SELECT seq, CONCAT('${shard}-', seq) FROM seq_1_to_100`);
    }
    await db.exec(`CREATE TABLE user_99 (id INT NOT NULL PRIMARY KEY, name VARCHAR(20), extra INT)`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('integer primary key splits at 1..8 channels give exactly the table rows', async () => {
    const expected = Array.from({ length: N }, (_, i) => BigInt((i + 1) * 3 - 1000));
    for (let advice = 1; advice <= 8; advice++) {
      const { splits, batches } = await readAll({ url: db.url, table: 'ints', batchRows: 777 }, advice);
      expect(splits.length, `advice ${advice}`).toBe(advice === 1 ? 1 : advice * 4);
      const ids = (columnValues(batches, 'id') as bigint[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(ids, `advice ${advice}`).toEqual(expected);
    }
  });

  it('a nullable splitPk gets an IS NULL split and no row is lost or doubled', async () => {
    for (const advice of [2, 5]) {
      const { splits, batches } = await readAll({ url: db.url, table: 'ints', splitPk: 'nk' }, advice);
      expect(splits.at(-1)!.range).toBe('`nk` IS NULL');
      const ids = columnValues(batches, 'id') as bigint[];
      expect(ids.length).toBe(N);
      expect(new Set(ids).size).toBe(N);
      expect(columnValues(batches, 'nk').filter((v) => v === null).length).toBe(N / 10);
    }
  });

  it('a string key is split at sampled boundaries without loss or duplicates', async () => {
    for (const advice of [1, 3, 8]) {
      const { splits, batches } = await readAll({ url: db.url, table: 'strs', splitPk: 'code' }, advice);
      if (advice > 1) expect(splits.length).toBeGreaterThan(advice);
      const codes = columnValues(batches, 'code') as string[];
      expect(codes.length).toBe(N);
      expect(new Set(codes).size).toBe(N);
      expect((columnValues(batches, 'v') as number[]).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    }
  });

  it('a table without a key is read as one split', async () => {
    const { splits, batches } = await readAll({ url: db.url, table: 'nokey' }, 4);
    expect(splits.length).toBe(1);
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(1000);
  });

  it('where is ANDed into every split', async () => {
    const { splits, batches } = await readAll({ url: db.url, table: 'ints', where: 'id % 2 = 0 OR id < 0' }, 3);
    expect(splits.length).toBe(12);
    for (const s of splits) expect(s.where[0]).toBe('id % 2 = 0 OR id < 0');
    const ids = columnValues(batches, 'id') as bigint[];
    const expected = Array.from({ length: N }, (_, i) => BigInt((i + 1) * 3 - 1000)).filter((id) => id % 2n === 0n || id < 0n);
    expect(ids.sort((a, b) => (a < b ? -1 : 1))).toEqual(expected);
  });

  it('refuses a where that escapes its parentheses, and keeps ones that only look like it', async () => {
    for (const [where, why] of [
      ['id > 0) OR (1=1', 'the ")" at character 7 closes a parenthesis that was not opened'],
      ["name = 'x", "the quote ' at character 8 is not closed"],
      ['id > 0; DROP TABLE ints', '";" at character 7'],
      ['id > 0 #', 'a comment at character 8'],
      ['id > 0 -- x', 'a comment'],
      ['(id > 0', '1 "(" not closed'],
    ]) {
      const err = await errorOf(readAll({ url: db.url, table: 'ints', where }, 2));
      expect(err.code, where).toBe('FERRY_ERR_CONFIG');
      // Refused when the job is validated, before anything connects.
      expect(err.message, where).toContain(`reader.where: ${why}`);
    }
    const { batches } = await readAll({ url: db.url, table: 'ints', where: "(name = 'n1)' OR name = 'it''s;#' OR id = -997) AND id < 0" }, 2);
    expect(columnValues(batches, 'id')).toEqual([-997n]);
  });

  it('reads sharded tables as one job, with splits per table', async () => {
    const { splits, batches } = await readAll({ url: db.url, table: ['user_00', 'user_01', 'user_02'], columns: ['id', 'name'] }, 2);
    expect(splits.length).toBe(3 * 8);
    const names = columnValues(batches, 'name') as string[];
    expect(names.length).toBe(300);
    expect(new Set(names).size).toBe(300);
  });

  it('refuses sharded tables whose columns differ, naming the table', async () => {
    const err = await errorOf(readAll({ url: db.url, table: ['user_00', 'user_99'] }));
    expect(err.code).toBe('FERRY_ERR_CONFIG');
    expect(err.message).toBe('mysql: table user_99 does not have the columns of table user_00: 3 columns instead of 2');
  });

  it('snapshot consistency reads every table in one split and one transaction', async () => {
    const { splits, batches } = await readAll({ url: db.url, table: ['user_00', 'user_01'], consistency: 'snapshot' }, 4);
    expect(splits.length).toBe(1);
    expect(splits[0]!.parts!.length).toBe(2);
    expect(columnValues(batches, 'name').length).toBe(200);
  });

  it('cuts batches at batchRows', async () => {
    const { batches } = await readAll({ url: db.url, table: 'ints', batchRows: 1000 }, 1);
    expect(batches.map((b) => b.numRows)).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('querySql gives one split per statement', async () => {
    const { splits, batches } = await readAll({ url: db.url, querySql: ['SELECT id, name FROM user_00', 'SELECT id, name FROM user_01 WHERE id <= 10'] }, 4);
    expect(splits.length).toBe(2);
    expect(columnValues(batches, 'id').length).toBe(110);
  });

  it('reads tables with odd names, quoted or qualified with the database', async () => {
    await db.exec('CREATE TABLE `odd name.v2` (`key` INT NOT NULL PRIMARY KEY, `select` VARCHAR(5))');
    await db.exec("INSERT INTO `odd name.v2` SELECT seq, 'x' FROM seq_1_to_50");
    for (const table of ['`odd name.v2`', `${db.name}.\`odd name.v2\``]) {
      const { splits, batches } = await readAll({ url: db.url, table, columns: ['key', 'select'] }, 2);
      expect(splits.length).toBe(8);
      expect((columnValues(batches, 'key') as number[]).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    }
  });

  it('a splitPk of another type warns and reads one split', async () => {
    await db.exec(`CREATE TABLE IF NOT EXISTS dated (d DATE, v INT)`);
    quietLog.warnings.length = 0;
    const { splits } = await readAll({ url: db.url, table: 'dated', splitPk: 'd' }, 4);
    expect(splits.length).toBe(1);
    expect(quietLog.warnings).toEqual(['mysql: splitPk d of dated is date; only integer and string keys are split, so the table is read as one split']);
  });
});
