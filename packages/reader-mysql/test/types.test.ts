import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Field, RecordBatch } from 'apache-arrow';
import { createConnection } from 'mysql2/promise';
import { formatDate, formatDateTime, formatDecimal, readInt128 } from '@ferry/core';
import { available, columnValues, createDb, readAll, warnIfSkipped, type TestDb } from './helpers.js';

warnIfSkipped('types.test.ts');

const DDL = `CREATE TABLE every_type (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, b1 TINYINT(1),
  dec1 DECIMAL(10,2), dec38 DECIMAL(38,10), dec65 DECIMAL(65,30), decu DECIMAL(5,0) UNSIGNED,
  f FLOAT, d DOUBLE,
  dt DATE, dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL,
  tm TIME, tm3 TIME(3), y YEAR,
  c CHAR(10), vc VARCHAR(100), tx TEXT, e ENUM('a','b','Trailers'), st SET('Trailers','Deleted Scenes','Commentaries'), j JSON,
  bn BINARY(4), vb VARBINARY(10), bl BLOB, bt BIT(5), bt64 BIT(64), g GEOMETRY
) DEFAULT CHARSET=utf8mb4`;

const COLS = 'id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, b1, dec1, dec38, dec65, decu, f, d, dt, dtm, dtm3, dtm6, ts, ts6, tm, tm3, y, c, vc, tx, e, st, j, bn, vb, bl, bt, bt64, g';

const ROWS = [
  `(1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0,
    -99999999.99, -9999999999999999999999999999.9999999999, -12345678901234567890123456789012345.123456789012345678901234567890, 0,
    -3.40282e38, -1.7976931348623157e308,
    '1000-01-01', '1000-01-01 00:00:00', '1000-01-01 00:00:00.000', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01', '1970-01-01 00:00:01.000000',
    '-838:59:59', '-838:59:59.000', 1901, '', '', '', 'a', '', '[]', 0x00000000, X'', '', b'00000', 0, ST_GeomFromText('POINT(0 0)'))`,
  `(2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 1,
    99999999.99, 9999999999999999999999999999.9999999999, 99999999999999999999999999999999999.999999999999999999999999999999, 99999,
    3.40282e38, 1.7976931348623157e308,
    '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.999999',
    '838:59:59', '838:59:59.999', 2155, 'abc', 'héllo 😀 wörld', 'emoji 🎉🚀 and 中文 \\\\ \\' "', 'Trailers', 'Trailers,Deleted Scenes', '{"a": [1, 2.5, "x"]}',
    0xDEADBEEF, 0x00FF10, 0x0001FFFE, b'11111', 18446744073709551615, ST_GeomFromText('POINT(1.5 -2.25)', 4326))`,
  `(3, ${Array(38).fill('NULL').join(', ')})`,
  `(4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2.99, 0.0000000001, 0.000000000000000000000000000001, 7, 0.1, 0.1,
    '0000-00-00', '0000-00-00 00:00:00', '2005-05-24 22:53:30.5', '2005-05-24 22:53:30.000001', '0000-00-00 00:00:00', '2005-05-24 22:53:30.123456',
    '12:34:56', '00:00:00.5', 2006, 'x ', 'Trailers,Deleted Scenes', 'ok', 'b', 'Commentaries', 'null', 0x41, 0x42, 0x43, b'00101', b'1', NULL)`,
];

let db: TestDb;
let text: Map<string, unknown>[]; // what MariaDB prints, per row, per column

describe.skipIf(!available)('MySQL types into Arrow', () => {
  beforeAll(async () => {
    db = await createDb();
    await db.exec(DDL);
    await db.exec(`INSERT INTO every_type (${COLS}) VALUES ${ROWS.join(',\n')}`);
    // MariaDB's own text of every value, read with a UTC session and no conversions.
    const c = await createConnection({ host: '127.0.0.1', user: 'root', database: db.name, charset: 'UTF8MB4_GENERAL_CI', timezone: 'Z' });
    await c.query(`SET time_zone = '+00:00'`);
    const [rows] = await c.query({
      sql: `SELECT *, ST_AsBinary(g) AS wkb FROM every_type ORDER BY id`,
      typeCast: (field: { type: string; buffer(): Buffer | null; string(): string | null }) =>
        ['BLOB', 'TINY_BLOB', 'MEDIUM_BLOB', 'LONG_BLOB', 'STRING', 'VAR_STRING', 'BIT', 'GEOMETRY'].includes(field.type) ? field.buffer() : field.string(),
    } as never);
    text = (rows as Record<string, unknown>[]).map((r) => new Map(Object.entries(r)));
    await c.end();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('maps every MySQL type to the documented Arrow type and ferry type', async () => {
    const { schema } = await readAll({ url: db.url, table: 'every_type' });
    const described = Object.fromEntries(
      schema.fields.map((f: Field) => [f.name, `${f.metadata.get('ferry.type') ?? '-'} ${String(f.type)}${f.metadata.has('ferry.fsp') ? ` fsp=${f.metadata.get('ferry.fsp')}` : ''}`]),
    );
    expect(described).toEqual({
      id: 'int Int32',
      ti: 'tinyint Int8',
      tiu: '- Uint8',
      si: 'smallint Int16',
      siu: '- Uint16',
      mi: 'int Int32',
      miu: 'int Int32',
      i: 'int Int32',
      iu: '- Uint32',
      bi: 'bigint Int64',
      biu: '- Uint64',
      b1: 'tinyint Int8',
      dec1: 'decimal(10,2) Decimal[10e+2]',
      dec38: 'decimal(38,10) Decimal[38e+10]',
      dec65: 'string Utf8',
      decu: 'decimal(5,0) Decimal[5e0]',
      f: 'float Float32',
      d: 'double Float64',
      dt: 'date Date32<DAY>',
      dtm: 'datetime Timestamp<MICROSECOND> fsp=0',
      dtm3: 'datetime Timestamp<MICROSECOND> fsp=3',
      dtm6: 'datetime Timestamp<MICROSECOND> fsp=6',
      ts: 'timestamp Timestamp<MICROSECOND, UTC> fsp=0',
      ts6: 'timestamp Timestamp<MICROSECOND, UTC> fsp=6',
      tm: 'string Utf8',
      tm3: 'string Utf8',
      y: 'smallint Int16',
      c: 'string Utf8',
      vc: 'string Utf8',
      tx: 'string Utf8',
      e: 'string Utf8',
      st: 'string Utf8',
      j: 'string Utf8',
      bn: 'binary Binary',
      vb: 'binary Binary',
      bl: 'binary Binary',
      bt: '- Uint64',
      bt64: '- Uint64',
      g: 'binary Binary',
    });
    expect(schema.fields.find((f) => f.name === 'biu')!.metadata.get('mysql.type')).toBe('bigint unsigned');
  });

  it('reads extremes, NULLs and utf8mb4 text exactly as MariaDB prints them', async () => {
    const { schema, batches, counts } = await readAll({ url: db.url, table: 'every_type' });
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(4);
    const ids = columnValues(batches, 'id');
    expect(ids).toEqual([1, 2, 3, 4]);
    const skipText = new Set(['f', 'd', 'bt', 'bt64', 'g']);
    for (const field of schema.fields) {
      for (let r = 0; r < 4; r++) {
        const expected = text[r]!.get(field.name);
        const actual = cell(batches, field, r);
        if (skipText.has(field.name)) continue;
        if (isZeroDate(expected)) {
          expect(actual, `${field.name} row ${r + 1}`).toBeNull();
          continue;
        }
        const want = expected === null ? null : Buffer.isBuffer(expected) && field.metadata.get('ferry.type') !== 'binary' ? expected.toString('utf8') : expected;
        expect(actual, `${field.name} row ${r + 1}`).toEqual(want);
      }
    }
    // Floats: the float32/float64 nearest to MariaDB's text.
    expect(columnValues(batches, 'f')).toEqual([Math.fround(-3.40282e38), Math.fround(3.40282e38), null, Math.fround(0.1)]);
    expect(columnValues(batches, 'd')).toEqual([-1.7976931348623157e308, 1.7976931348623157e308, null, 0.1]);
    // BIT: the bits as an unsigned integer.
    expect(columnValues(batches, 'bt')).toEqual([0n, 31n, null, 5n]);
    expect(columnValues(batches, 'bt64')).toEqual([0n, 18446744073709551615n, null, 1n]);
    // GEOMETRY: standard WKB (what ST_AsBinary gives), without MySQL's SRID prefix.
    const g = columnValues(batches, 'g') as (Uint8Array | null)[];
    expect(Buffer.from(g[0]!)).toEqual(text[0]!.get('wkb'));
    expect(Buffer.from(g[1]!)).toEqual(text[1]!.get('wkb'));
    expect(g[2]).toBeNull();
    // Unsigned and 64-bit extremes as Arrow holds them.
    expect(columnValues(batches, 'biu')).toEqual([0n, 18446744073709551615n, null, 1n]);
    expect(columnValues(batches, 'bi')).toEqual([-9223372036854775808n, 9223372036854775807n, null, 1n]);
    expect(columnValues(batches, 'b1')).toEqual([0, 1, null, 2]);
    expect(counts.zeroDatesAsNull).toBe(3);
  });

  it('the portable row parser (mysql2 without internals) reads the same values', async () => {
    const fast = await readAll({ url: db.url, table: 'every_type' });
    process.env.FERRY_MYSQL_PORTABLE_PARSER = '1';
    try {
      const portable = await readAll({ url: db.url, table: 'every_type' });
      expect(portable.counts).toEqual(fast.counts);
      for (const f of fast.schema.fields) expect(columnValues(portable.batches, f.name), f.name).toEqual(columnValues(fast.batches, f.name));
    } finally {
      delete process.env.FERRY_MYSQL_PORTABLE_PARSER;
    }
  });

  it('DECIMAL values of every width are exact, around the 15-digit fast path', async () => {
    await db.exec(`CREATE TABLE decs (id INT PRIMARY KEY, a DECIMAL(15,0), b DECIMAL(16,0), c DECIMAL(17,1), d DECIMAL(18,2) UNSIGNED, e DECIMAL(38,38))`);
    await db.exec(`INSERT INTO decs VALUES (1, 999999999999999, 9999999999999999, 1234567890123456.7, 9999999999999999.99, 0.99999999999999999999999999999999999999),
      (2, -999999999999999, -9999999999999999, -9007199254740993.1, 9007199254740993.01, -0.00000000000000000000000000000000000001)`);
    const { batches } = await readAll({ url: db.url, table: 'decs' });
    expect(decimalTexts(batches, 'a', 0)).toEqual(['999999999999999', '-999999999999999']);
    expect(decimalTexts(batches, 'b', 0)).toEqual(['9999999999999999', '-9999999999999999']);
    expect(decimalTexts(batches, 'c', 1)).toEqual(['1234567890123456.7', '-9007199254740993.1']);
    expect(decimalTexts(batches, 'd', 2)).toEqual(['9999999999999999.99', '9007199254740993.01']);
    expect(decimalTexts(batches, 'e', 38)).toEqual(['0.99999999999999999999999999999999999999', '-0.00000000000000000000000000000000000001']);
  });

  it('zeroDate "string" types date columns as strings and keeps MariaDB text', async () => {
    const { schema, batches } = await readAll({ url: db.url, table: 'every_type', columns: ['id', 'dt', 'dtm', 'ts', 'dtm3'], zeroDate: 'string' });
    expect(schema.fields.map((f) => f.metadata.get('ferry.type'))).toEqual(['int', 'string', 'string', 'string', 'string']);
    expect(columnValues(batches, 'dt')).toEqual(['1000-01-01', '9999-12-31', null, '0000-00-00']);
    expect(columnValues(batches, 'dtm')).toEqual(['1000-01-01 00:00:00', '9999-12-31 23:59:59', null, '0000-00-00 00:00:00']);
    expect(columnValues(batches, 'ts')).toEqual(['1970-01-01 00:00:01', '2038-01-19 03:14:07', null, '0000-00-00 00:00:00']);
    expect(columnValues(batches, 'dtm3')).toEqual(['1000-01-01 00:00:00.000', '9999-12-31 23:59:59.999', null, '2005-05-24 22:53:30.500']);
  });

  it('tinyint1AsBoolean reads TINYINT(1) as booleans and leaves wider TINYINT alone', async () => {
    const { schema, batches } = await readAll({ url: db.url, table: 'every_type', columns: ['b1', 'ti'], tinyint1AsBoolean: true });
    expect(schema.fields.map((f) => String(f.type))).toEqual(['Bool', 'Int8']);
    expect(columnValues(batches, 'b1')).toEqual([false, true, null, true]);
  });

  it('TIMESTAMP values are the same instants whatever the session time zone', async () => {
    const utc = await readAll({ url: db.url, table: 'every_type', columns: ['ts6'] });
    const east = await readAll({ url: db.url, table: 'every_type', columns: ['ts6'], timezone: '+08:00' });
    const west = await readAll({ url: db.url, table: 'every_type', columns: ['ts6'], timezone: '-05:30' });
    const micros = (batches: RecordBatch[]) => batches.flatMap((b) => [...(b.getChild('ts6')!.data[0]!.values as unknown as BigInt64Array)]);
    expect(micros(east.batches)).toEqual(micros(utc.batches));
    expect(micros(west.batches)).toEqual(micros(utc.batches));
    expect(formatDateTime(micros(utc.batches)[1]!, 6)).toBe('2038-01-19 03:14:07.999999');
  });

  it('names constant and expression columns expr_<i> unless they say AS', async () => {
    const { schema, batches } = await readAll({ url: db.url, table: 'every_type', columns: ['id', "'const'", 'i + 1', 'UPPER(c) AS up', '`vc`'], where: 'id IN (2, 4)' });
    expect(schema.fields.map((f) => f.name)).toEqual(['id', 'expr_1', 'expr_2', 'up', 'vc']);
    expect(columnValues(batches, 'expr_1')).toEqual(['const', 'const']);
    expect(columnValues(batches, 'expr_2')).toEqual([2147483648n, 2n]);
    expect(columnValues(batches, 'up')).toEqual(['ABC', 'X']);
  });

  it('querySql reads with the types of its own result columns', async () => {
    const { schema, batches } = await readAll({ url: db.url, querySql: 'SELECT a.id, a.dec1, b.vc FROM every_type a JOIN every_type b ON a.id = b.id WHERE a.id <= 2 ORDER BY a.id' });
    expect(schema.fields.map((f) => f.metadata.get('ferry.type'))).toEqual(['int', 'decimal(10,2)', 'string']);
    expect(columnValues(batches, 'vc')).toEqual(['', 'héllo 😀 wörld']);
    expect(decimalTexts(batches, 'dec1', 2)).toEqual(['-99999999.99', '99999999.99']);
  });
});

function isZeroDate(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith('0000-00-00');
}

/** The canonical text of a cell for the types with a text form, the raw bytes for binary. */
function cell(batches: RecordBatch[], field: Field, row: number): unknown {
  let r = row;
  for (const b of batches) {
    if (r >= b.numRows) {
      r -= b.numRows;
      continue;
    }
    const vec = b.getChild(field.name)!;
    if (!vec.isValid(r)) return null;
    const type = field.metadata.get('ferry.type') ?? '';
    const fsp = field.metadata.has('ferry.fsp') ? Number(field.metadata.get('ferry.fsp')) : undefined;
    if (type.startsWith('decimal')) {
      const scale = Number(/,(\d+)\)/.exec(type)![1]);
      return formatDecimal(readInt128(vec.data[0]!.values as unknown as Uint32Array, r * 4), scale);
    }
    if (type === 'date') return formatDate(vec.data[0]!.values[r] as number);
    if (type === 'datetime' || type === 'timestamp') return formatDateTime((vec.data[0]!.values as unknown as BigInt64Array)[r]!, fsp);
    if (type === 'binary') return Buffer.from(vec.get(r) as Uint8Array);
    const v = vec.get(r);
    return typeof v === 'bigint' || typeof v === 'number' ? String(v) : v;
  }
  throw new Error(`row ${row} out of range`);
}

function decimalTexts(batches: RecordBatch[], name: string, scale: number): string[] {
  const out: string[] = [];
  for (const b of batches) {
    const words = b.getChild(name)!.data[0]!.values as unknown as Uint32Array;
    for (let i = 0; i < b.numRows; i++) out.push(formatDecimal(readInt128(words, i * 4), scale));
  }
  return out;
}
