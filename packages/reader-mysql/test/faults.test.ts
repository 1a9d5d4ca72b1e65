import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import plugin from '@ferry/reader-mysql';
import { available, channelContext, columnValues, configOf, createDb, errorOf, jobContext, warnIfSkipped, type TestDb } from './helpers.js';

warnIfSkipped('faults.test.ts');

let db: TestDb;
// Big enough (~20 MB on the wire) that the server is still sending when we kill it.
const N = 100_000;

/** Reads the first batch of a one-split read, kills the server connection, then reads the rest. */
async function killAfterFirstBatch(raw: Record<string, unknown>) {
  const config = configOf({ url: db.url, table: 'big', batchRows: 1000, ...raw });
  const ctx = jobContext();
  const schema = await plugin.schema(config, ctx);
  const [split] = await plugin.split(config, { ...ctx, advice: 1 });
  const counts: Record<string, number> = {};
  const it = plugin.read(split!, channelContext(config, schema, counts))[Symbol.asyncIterator]();
  const batches: RecordBatch[] = [];
  const first = await it.next();
  batches.push(first.value);
  const rows = (await db.exec(`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE '%FROM \`big\`%' AND ID <> CONNECTION_ID()`)) as { id: number }[];
  expect(rows.length).toBe(1);
  await db.exec(`KILL CONNECTION ${rows[0]!.id}`);
  let error: (Error & { code?: string }) | undefined;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      batches.push(r.value);
    }
  } catch (err) {
    error = err as Error;
  }
  return { batches, counts, error };
}

describe.skipIf(!available)('faults and cancellation', () => {
  beforeAll(async () => {
    db = await createDb();
    await db.exec(`CREATE TABLE big (id INT NOT NULL PRIMARY KEY, pad VARCHAR(200))`);
    await db.exec(`INSERT INTO big SELECT seq, REPEAT(CHAR(97 + seq % 26), 200) FROM seq_1_to_${N}`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a connection killed mid-split resumes after the last key handed over: no row lost or doubled', async () => {
    const { batches, counts, error } = await killAfterFirstBatch({});
    expect(error).toBeUndefined();
    expect(counts.mysqlReconnects).toBe(1);
    const ids = columnValues(batches, 'id') as number[];
    expect(ids.length).toBe(N);
    expect(ids).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  });

  it('gives up after `retries` reconnects and says so', async () => {
    const { error } = await killAfterFirstBatch({ retries: 0 });
    expect(error?.code).toBe('FERRY_ERR_SOURCE');
    expect(error?.message).toMatch(/^mysql: connection to 127\.0\.0\.1:3306 lost while reading table big: .* \(gave up after 0 reconnects\)$/);
  });

  it('a split not read in key order fails clearly when its connection is lost after handing over rows', async () => {
    const { error } = await killAfterFirstBatch({ where: 'id > 0' });
    expect(error?.code).toBe('FERRY_ERR_SOURCE');
    expect(error?.message).toMatch(/table big cannot resume after \d+ batches \(it is not read in primary-key order\), so it is not retried$/);
  });

  it('aborting the signal stops the read and closes its connection', async () => {
    const config = configOf({ url: db.url, table: 'big', batchRows: 1000 });
    const ctx = jobContext();
    const schema = await plugin.schema(config, ctx);
    const [split] = await plugin.split(config, { ...ctx, advice: 1 });
    const ac = new AbortController();
    const it = plugin.read(split!, channelContext(config, schema, {}, ac.signal))[Symbol.asyncIterator]();
    expect((await it.next()).value.numRows).toBe(1000);
    ac.abort();
    const err = await errorOf(
      (async () => {
        for (;;) if ((await it.next()).done) return;
      })(),
    );
    expect(err.code).toBe('FERRY_ERR_ABORTED');
    // The server sees the connection go (poll: the server notices asynchronously).
    let left = 1;
    for (let i = 0; i < 50 && left > 0; i++) {
      const rows = (await db.exec(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '%FROM \`big\`%' AND ID <> CONNECTION_ID()`)) as { n: number }[];
      left = Number(rows[0]!.n);
      if (left > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe(0);
  });

  it('backpressure: a split nobody pulls from keeps the server waiting instead of buffering the table', async () => {
    const config = configOf({ url: db.url, table: 'big', batchRows: 1000 });
    const ctx = jobContext();
    const schema = await plugin.schema(config, ctx);
    const [split] = await plugin.split(config, { ...ctx, advice: 1 });
    const it = plugin.read(split!, channelContext(config, schema, {}))[Symbol.asyncIterator]();
    expect((await it.next()).value.numRows).toBe(1000);
    // Unpaused, mysql2 would take all ~20 MB in well under this pause and the query would finish.
    await new Promise((r) => setTimeout(r, 500));
    const running = (await db.exec(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '%FROM \`big\`%' AND ID <> CONNECTION_ID()`)) as { n: number }[];
    expect(Number(running[0]!.n)).toBe(1);
    let rows = 1000;
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      rows += r.value.numRows;
    }
    expect(rows).toBe(N);
  });

  it('a consumer that stops early closes the connection', async () => {
    const config = configOf({ url: db.url, table: 'big', batchRows: 500 });
    const ctx = jobContext();
    const schema = await plugin.schema(config, ctx);
    const [split] = await plugin.split(config, { ...ctx, advice: 1 });
    let seen = 0;
    for await (const b of plugin.read(split!, channelContext(config, schema, {}))) {
      seen += b.numRows;
      if (seen >= 1000) break;
    }
    expect(seen).toBe(1000);
    let left = 1;
    for (let i = 0; i < 50 && left > 0; i++) {
      const rows = (await db.exec(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '%FROM \`big\`%' AND ID <> CONNECTION_ID()`)) as { n: number }[];
      left = Number(rows[0]!.n);
      if (left > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe(0);
  });
});
