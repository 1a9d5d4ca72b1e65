/**
 * The reader's speed rests on replacing mysql2's private row parser
 * (`_rowParser`) and, past the first chunk of a result, on framing the row
 * packets from the socket's bytes itself (row-framing.ts): mysql2 is pinned
 * to the minor version whose internals both fit. If an upgrade stops them
 * applying, reads still work (the portable path), only slower: this test is
 * what notices. It also checks that the framed rows are exactly mysql2's.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parserUse } from '../dist/query-stream.js';
import { framingUse } from '../dist/row-framing.js';
import { socketUse } from '../dist/connection.js';
import { available, columnValues, createDb, errorOf, readAll, warnIfSkipped, type TestDb } from './helpers.js';
import { jumboCutProxy, rechunkingProxy } from './rechunk-proxy.js';

warnIfSkipped('fast-path.test.ts');

/** A value of 2,200,000 8-digit groups (17.6 MB, more than one 16 MiB packet), each its own number. */
const JUMBO_GROUPS = 2_200_000;
const JUMBO_SQL = `SELECT GROUP_CONCAT(LPAD(seq, 8, '0') ORDER BY seq SEPARATOR '') FROM seq_1_to_${JUMBO_GROUPS}`;

/** The first 8-byte group of a JUMBO_SQL value that is not its number, -1 when all are (and the length is right). */
function firstBadGroup(value: Uint8Array): number {
  const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (b.length !== 8 * JUMBO_GROUPS) return -2;
  for (let i = 0; i < JUMBO_GROUPS; i++) if (b.toString('latin1', i * 8, i * 8 + 8) !== String(i + 1).padStart(8, '0')) return i;
  return -1;
}

describe.skipIf(!available)('the mysql2 fast path', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createDb();
    await db.exec('CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))');
    await db.exec(`INSERT INTO t VALUES ${Array.from({ length: 100 }, (_, i) => `(${i}, 'n${i}')`).join(',')}`);
  });
  afterAll(async () => db?.drop());
  // mysql2 only prints a packet it did not expect ("got packets out of order") and goes on: a framing slip must fail here.
  let printed: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    printed = vi.spyOn(console, 'error');
  });
  afterEach(() => {
    expect(printed.mock.calls.map((c) => String(c[0]))).toEqual([]);
    printed.mockRestore();
  });

  /**
   * Runs `sql` on a connection of its own, then `read`, with the server taking packets of up to 64 MiB. The
   * session's max_allowed_packet comes from the global one at connect, hence the fresh connection; its
   * group_concat_max_len lets JUMBO_SQL build its 17.6 MB value.
   */
  async function withJumbo(sql: string[], read: () => Promise<void>): Promise<void> {
    const old = ((await db.exec('SELECT @@GLOBAL.max_allowed_packet AS p')) as { p: number }[])[0]!.p;
    await db.exec('SET GLOBAL max_allowed_packet = 67108864');
    try {
      const fresh = await createConnection({ uri: db.url });
      try {
        await fresh.query('SET SESSION group_concat_max_len = 67108864');
        for (const q of sql) await fresh.query(q);
      } finally {
        await fresh.end();
      }
      await read();
    } finally {
      await db.exec(`SET GLOBAL max_allowed_packet = ${old}`);
    }
  }

  it('parses every row with our parser on the pinned mysql2', async () => {
    const before = { ...parserUse };
    const r = await readAll({ url: db.url, table: 't' });
    expect(r.batches.reduce((n, b) => n + b.numRows, 0)).toBe(100);
    expect(parserUse.fast - before.fast).toBe(100);
    expect(parserUse.portable - before.portable).toBe(0);
  });

  it('reads off a socket of its own into one reused buffer when the connection has no TLS', async () => {
    const before = { ...socketUse };
    const r = await readAll({ url: db.url, table: 't' });
    expect(columnValues(r.batches, 'id')).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(columnValues(r.batches, 'name')).toEqual(Array.from({ length: 100 }, (_, i) => `n${i}`));
    // schema, split and the read each opened a direct socket, and the rows came through one.
    expect(socketUse.sockets - before.sockets).toBe(3);
    expect(socketUse.chunks - before.chunks).toBeGreaterThanOrEqual(1);
  });

  it('frames the rows of a result that spans many socket chunks exactly as mysql2 parses them', async () => {
    // Rows of 0 to ~3 KB (so packets straddle chunk boundaries), NULLs, empty strings, utf8mb4, a 200 KB value.
    await db.exec('CREATE TABLE big (id INT PRIMARY KEY, name VARCHAR(4000) CHARACTER SET utf8mb4, n BIGINT, d DATE, x DOUBLE)');
    await db.exec(
      `INSERT INTO big SELECT seq, CASE WHEN seq % 7 = 0 THEN NULL WHEN seq % 11 = 0 THEN '' ELSE CONCAT('名前', seq, REPEAT('x', seq % 3000)) END, CAST(seq AS SIGNED) * 1000003 - 5000000000, DATE '2024-06-20' - INTERVAL (seq % 400) DAY, IF(seq % 13 = 0, NULL, seq / 7) FROM seq_1_to_30000`,
    );
    await db.exec(`UPDATE big SET name = REPEAT('長', 1300) WHERE id = 15000`);
    const before = { ...framingUse };
    const fast = await readAll({ url: db.url, table: 'big', batchRows: 1000 });
    expect(framingUse.takeovers - before.takeovers).toBe(1);
    expect(framingUse.rows - before.rows).toBeGreaterThan(29_000);
    process.env.FERRY_MYSQL_PORTABLE_PARSER = '1';
    let portable: Awaited<ReturnType<typeof readAll>>;
    try {
      const again = { ...framingUse };
      portable = await readAll({ url: db.url, table: 'big', batchRows: 1000 });
      expect(framingUse.rows - again.rows).toBe(0);
    } finally {
      delete process.env.FERRY_MYSQL_PORTABLE_PARSER;
    }
    for (const col of ['id', 'name', 'n', 'd', 'x']) expect(columnValues(fast.batches, col), col).toEqual(columnValues(portable.batches, col));
    expect(columnValues(fast.batches, 'id')).toEqual(Array.from({ length: 30000 }, (_, i) => i + 1));
  });

  it('hands a row of 16 MiB or more back to mysql2 and reads on', async () => {
    await withJumbo(
      [
        'CREATE TABLE jumbo (id INT PRIMARY KEY, b LONGBLOB)',
        `INSERT INTO jumbo SELECT seq, REPEAT(CHAR(65 + seq % 26), 100 + seq % 500) FROM seq_1_to_20000`,
        `UPDATE jumbo SET b = (${JUMBO_SQL}) WHERE id = 10000`,
      ],
      async () => {
        const before = { ...framingUse };
        const r = await readAll({ url: db.url, table: 'jumbo', batchRows: 500 });
        expect(framingUse.takeovers - before.takeovers).toBe(1);
        const ids = columnValues(r.batches, 'id');
        const blobs = columnValues(r.batches, 'b') as Uint8Array[];
        expect(ids).toEqual(Array.from({ length: 20000 }, (_, i) => i + 1));
        expect(firstBadGroup(blobs[9999]!)).toBe(-1);
        expect(blobs.every((b, i) => i === 9999 || (b.length === 100 + ((i + 1) % 500) && b[0] === 65 + ((i + 1) % 26)))).toBe(true);
      },
    );
  });

  it('reads a first row of 16 MiB or more that comes in the read with the column definitions', async () => {
    // The framer finds mysql2 in the middle of that row and leaves it to mysql2, with a copy of the read:
    // the socket's buffer takes the next read. A value that differs along its length shows any bytes overwritten.
    await withJumbo(
      [
        'CREATE TABLE jumbo_first (id INT PRIMARY KEY, b LONGBLOB)',
        `INSERT INTO jumbo_first SELECT 1, (${JUMBO_SQL})`,
        `INSERT INTO jumbo_first SELECT seq, REPEAT(CHAR(64 + seq % 26), 10) FROM seq_2_to_50`,
      ],
      async () => {
        const r = await readAll({ url: db.url, table: 'jumbo_first', batchRows: 10 });
        const blobs = columnValues(r.batches, 'b') as Uint8Array[];
        expect(firstBadGroup(blobs[0]!)).toBe(-1);
        expect(blobs.slice(1).map((b) => Buffer.from(b).toString())).toEqual(Array.from({ length: 49 }, (_, i) => String.fromCharCode(64 + ((i + 2) % 26)).repeat(10)));
      },
    );
  });

  it('leaves a row of 16 MiB or more to mysql2 when a read ends 1 to 4 bytes into its header', async () => {
    // The framer keeps the cut header, completes it from the next read, sees the 16 MiB length and hands the
    // rest of that read to mysql2: a copy, since the socket's buffer takes the read after.
    await withJumbo(
      [
        'CREATE TABLE jumbo_cut (id INT PRIMARY KEY, b LONGBLOB)',
        `INSERT INTO jumbo_cut SELECT seq, REPEAT(CHAR(65 + seq % 26), 100 + seq % 500) FROM seq_1_to_5000`,
        `UPDATE jumbo_cut SET b = (${JUMBO_SQL}) WHERE id = 2500`,
      ],
      async () => {
        for (const keep of [1, 4]) {
          const proxy = await jumboCutProxy(keep);
          try {
            const r = await readAll({ url: proxy.url(db.name), table: 'jumbo_cut', batchRows: 500 });
            expect(proxy.pieces(), `keep ${keep}`).toBe(1);
            const blobs = columnValues(r.batches, 'b') as Uint8Array[];
            expect(columnValues(r.batches, 'id')).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
            expect(firstBadGroup(blobs[2499]!), `keep ${keep}`).toBe(-1);
            expect(blobs.every((b, i) => i === 2499 || (b.length === 100 + ((i + 1) % 500) && b[0] === 65 + ((i + 1) % 26)))).toBe(true);
          } finally {
            await proxy.close();
          }
        }
      },
    );
  });

  it('frames rows that reach it in pieces of 1 to 7 bytes, taking mysql2 over at every byte of the first row', async () => {
    // The chunk with the column definitions ends k bytes into the rows (k = 0: at a packet boundary; 1, 2: in the
    // length; 3: before the sequence id; more: in the payload), then the rest comes 1..7 bytes at a time.
    await db.exec('CREATE TABLE bits (id INT PRIMARY KEY, name VARCHAR(300), n BIGINT, x DOUBLE)');
    await db.exec(
      `INSERT INTO bits SELECT seq, CASE WHEN seq % 7 = 0 THEN NULL WHEN seq % 11 = 0 THEN '' ELSE CONCAT('v', seq, REPEAT('x', seq % 250)) END, CAST(seq AS SIGNED) * 1000003 - 5000000, IF(seq % 13 = 0, NULL, seq / 7) FROM seq_1_to_80`,
    );
    const direct = await readAll({ url: db.url, table: 'bits' });
    for (let k = 0; k <= 30; k++) {
      const proxy = await rechunkingProxy(k);
      try {
        const before = { ...framingUse };
        // Small batches: the connection is paused and resumed many times while the framer is in place.
        const r = await readAll({ url: proxy.url(db.name), table: 'bits', batchRows: 1 + (k % 6) * 3 });
        expect(framingUse.takeovers - before.takeovers, `k=${k}`).toBe(1);
        expect(framingUse.rows - before.rows, `k=${k}`).toBeGreaterThanOrEqual(79);
        for (const col of ['id', 'name', 'n', 'x']) expect(columnValues(r.batches, col), `k=${k} ${col}`).toEqual(columnValues(direct.batches, col));
      } finally {
        await proxy.close();
      }
    }
  });

  it('frames the rows when the chunk with the column definitions ends before the EOF that closes them', async () => {
    // mysql2 emits 'fields' at the last column definition, before that EOF: the framer is in place when the EOF comes.
    const direct = await readAll({ url: db.url, table: 'bits' });
    for (let k = -9; k < 0; k++) {
      const proxy = await rechunkingProxy(k);
      try {
        const before = { ...framingUse };
        const r = await readAll({ url: proxy.url(db.name), table: 'bits', batchRows: 10 });
        expect(framingUse.rows - before.rows, `k=${k}`).toBe(80);
        for (const col of ['id', 'name', 'n', 'x']) expect(columnValues(r.batches, col), `k=${k} ${col}`).toEqual(columnValues(direct.batches, col));
        // A result of no rows: the EOF of the column definitions, then the end of the rows.
        const none = await readAll({ url: proxy.url(db.name), table: 'bits', where: 'id < 0' });
        expect(
          none.batches.reduce((n, b) => n + b.numRows, 0),
          `k=${k}`,
        ).toBe(0);
      } finally {
        await proxy.close();
      }
    }
  });

  it('hands the end of each result and an error after some rows back to mysql2 over 1..7-byte pieces', async () => {
    await db.exec('CREATE TABLE bits2 LIKE bits');
    await db.exec('INSERT INTO bits2 SELECT * FROM bits WHERE id <= 30');
    const ids = Array.from({ length: 80 }, (_, i) => i + 1);
    for (const k of [0, 2, 5, 13]) {
      const proxy = await rechunkingProxy(k);
      try {
        // One connection, one transaction, several results: each hand-back leaves mysql2 ready for the next query.
        const snap = await readAll({ url: proxy.url(db.name), table: ['bits', 'bits2'], consistency: 'snapshot', batchRows: 4 });
        expect(columnValues(snap.batches, 'id'), `k=${k}`).toEqual([...ids, ...ids.slice(0, 30)]);
        // Row 40 fails after 39 rows were sent: the ERR packet goes back to mysql2 with the sequence id it expects.
        const before = { ...framingUse };
        const err = await errorOf(
          readAll({ url: proxy.url(db.name), querySql: 'SELECT id, name, (SELECT b.id FROM bits b WHERE bits.id = 40 AND b.id IN (1, 2)) AS boom FROM bits ORDER BY id', batchRows: 7 }),
        );
        expect(err.message, `k=${k}`).toMatch(/more than 1 row/i);
        expect(framingUse.rows - before.rows, `k=${k}`).toBeGreaterThanOrEqual(38);
      } finally {
        await proxy.close();
      }
    }
  });

  it('runs against the mysql2 minor version the package pins', () => {
    const require = createRequire(new URL('../package.json', import.meta.url));
    const installed = (JSON.parse(readFileSync(require.resolve('mysql2/package.json'), 'utf8')) as { version: string }).version;
    const workspace = readFileSync(new URL('../../../pnpm-workspace.yaml', import.meta.url), 'utf8');
    const pinned = /^\s*mysql2:\s*~(\d+\.\d+)\.\d+\s*$/m.exec(workspace)?.[1];
    expect(pinned, 'pnpm-workspace.yaml pins mysql2 with ~x.y.z').toBeDefined();
    expect(installed.split('.').slice(0, 2).join('.')).toBe(pinned);
  });
});
