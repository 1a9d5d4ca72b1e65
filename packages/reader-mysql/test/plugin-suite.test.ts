/** The MySQL reader runs the shared plugin suite against the real MariaDB. */
import { afterAll, beforeAll } from 'vitest';
import { testReader } from '@ferry/core/testing';
import plugin from '@ferry/reader-mysql';
import { available, createDb, warnIfSkipped, type TestDb } from './helpers.js';

warnIfSkipped('plugin-suite.test.ts');

let db: TestDb | undefined;
beforeAll(async () => {
  if (!available) return;
  db = await createDb();
  await db.exec('CREATE TABLE rows_t (id INT PRIMARY KEY, name VARCHAR(20), score DOUBLE, at DATETIME)');
  await db.exec(`INSERT INTO rows_t VALUES ${Array.from({ length: 3000 }, (_, i) => `(${i}, 'n${i}', ${i / 4}, '2024-06-01 00:00:00' + INTERVAL ${i} MINUTE)`).join(',')}`);
  await db.exec('CREATE TABLE empty_t (id INT PRIMARY KEY, name VARCHAR(20))');
  await db.exec(`CREATE TABLE nulls_t (id INT PRIMARY KEY, ti TINYINT, bi BIGINT UNSIGNED, dc DECIMAL(12,3), f FLOAT, d DOUBLE, dt DATE, dtm DATETIME(3),
    ts TIMESTAMP NULL DEFAULT NULL, tm TIME, y YEAR, c CHAR(3), vc VARCHAR(10), tx TEXT, bn VARBINARY(4), bl BLOB, bt BIT(3), j JSON, e ENUM('a','b'))`);
  await db.exec('INSERT INTO nulls_t (id) VALUES (1), (2)');
});
afterAll(async () => db?.drop());

testReader({
  skip: !available,
  plugin,
  config: () => ({ url: db!.url, table: 'rows_t', splitPk: 'id', batchRows: 256 }),
  empty: () => ({ url: db!.url, table: 'empty_t' }),
  nulls: () => ({ url: db!.url, table: 'nulls_t' }),
  notNull: ['id'],
  failing: () => ({ url: 'mysql://root@127.0.0.1:1/nowhere', table: 't', connectTimeoutMs: 2000 }),
});
