// The JavaScript Parquet encoder against two independent readers: DuckDB
// (what `ferry sql` uses) and arrow-rs (parquet-wasm, what pandas/pyarrow
// and Spark-style readers follow), on the cases its fast paths branch on:
// nulls at unaligned offsets and across batches, sliced Arrow data, pages
// cut inside a batch, several row groups, every compression, long and empty
// text, bytes hidden under null slots, negative decimals and chunk min/max.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createBuilders, ferrySchema, finishBatch } from '@ferry/core';
import { makeData, RecordBatch, RecordBatchReader, Struct, Utf8 } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { encodeParquet } from '../src/parquet-encode.js';
import { COMPRESSIONS, type CompressionName } from '../src/parquet-codec.js';
import { withDuckDB } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-parquet-encode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = ferrySchema([
  { name: 'id', type: 'bigint' },
  { name: 'i', type: 'int' },
  { name: 's', type: 'smallint' },
  { name: 't', type: 'tinyint' },
  { name: 'b', type: 'boolean' },
  { name: 'd', type: 'double' },
  { name: 'f', type: 'float' },
  { name: 'big', type: 'decimal(38,6)' },
  { name: 'mid', type: 'decimal(18,2)' },
  { name: 'small', type: 'decimal(9,3)' },
  { name: 'dday', type: 'date' },
  { name: 'ats', type: 'datetime' },
  { name: 'utc', type: 'timestamp' },
  { name: 'bin', type: 'binary' },
  { name: 'txt', type: 'string' },
]);

/** 2024-06-20 as days and as microseconds since 1970. */
const DAY = Date.UTC(2024, 5, 20) / 86_400_000;
const MICROS = BigInt(Date.UTC(2024, 5, 20, 1, 2, 3)) * 1000n;

/** Row `n`'s values: nulls in a pattern that is not a multiple of 8, negatives, text of 0 to 300 bytes. */
function row(n: number): unknown[] {
  const nul = (k: number) => (n * 7 + k) % 11 === 0;
  const txt = n % 5 === 0 ? '' : `${'é'.repeat(n % 3)}line ${n} ${'x'.repeat((n * 37) % 300)}`;
  return [
    nul(0) ? null : BigInt(n) * (n % 2 ? -1n : 1n) * 1_000_003n,
    nul(1) ? null : (n * 2654435761) | 0,
    nul(2) ? null : (n % 65536) - 32768,
    nul(3) ? null : (n % 256) - 128,
    nul(4) ? null : n % 3 === 0,
    nul(5) ? null : n / 7 - 100,
    nul(6) ? null : Math.fround(n / 3),
    nul(7) ? null : `${n % 2 ? '-' : ''}${n + 1}12345678901234567890.${String(n % 1000000).padStart(6, '0')}`,
    nul(8) ? null : `${n % 2 ? '-' : ''}${n}.${String(n % 100).padStart(2, '0')}`,
    nul(9) ? null : `${n % 2 ? '-' : ''}${n % 100000}.${String(n % 1000).padStart(3, '0')}`,
    nul(10) ? null : DAY + (n % 400) - 200,
    nul(0) ? null : MICROS + BigInt(n) * 1_000_001n,
    nul(1) ? null : MICROS - BigInt(n) * 3_000_007n,
    nul(2) ? null : Buffer.from([n & 255, 0, 255, (n >> 8) & 255]),
    nul(3) ? null : txt,
  ];
}

function batchOf(from: number, to: number): RecordBatch {
  const b = createBuilders(schema);
  for (let n = from; n < to; n++) for (const [c, v] of row(n).entries()) b[c]!.append(v);
  return finishBatch(schema, b);
}

/** A batch viewed at an offset (as Arrow slices are): every column's data starts mid-buffer. */
function sliced(batch: RecordBatch, begin: number, end: number): RecordBatch {
  const s = batch.slice(begin, end);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: end - begin, nullCount: 0, children: s.data.children }));
}

async function duckRows(path: string): Promise<Record<string, unknown>[]> {
  return withDuckDB(async (c) => {
    const r = await c.runAndReadAll(
      `SELECT id::VARCHAR id, i, s, t, b, d, f, big::VARCHAR big, mid::VARCHAR mid, small::VARCHAR small, (dday - DATE '1970-01-01')::INTEGER dday, epoch_us(ats)::VARCHAR ats, epoch_us(utc)::VARCHAR utc, hex(bin) bin, txt FROM read_parquet('${path}')`,
    );
    return r.getRowObjectsJS() as Record<string, unknown>[];
  });
}

function expected(n: number): Record<string, unknown> {
  const v = row(n);
  const text = (x: unknown) => (x === null ? null : String(x));
  return {
    id: text(v[0]),
    i: v[1],
    s: v[2],
    t: v[3],
    b: v[4],
    d: v[5],
    f: v[6],
    big: v[7],
    mid: v[8],
    small: v[9],
    dday: v[10],
    ats: text(v[11]),
    utc: text(v[12]),
    bin:
      v[13] === null
        ? null
        : Buffer.from(v[13] as Buffer)
            .toString('hex')
            .toUpperCase(),
    txt: v[14],
  };
}

describe('the Parquet encoder', () => {
  test.each(COMPRESSIONS.filter((c) => c !== 'zstd' || process.versions.node.split('.').map(Number)[0]! >= 23))('%s: DuckDB and arrow-rs read back every value of every type', async (compression) => {
    // Batches of odd sizes (nulls cross byte boundaries between them), one sliced at an odd offset.
    const batches = [batchOf(0, 1000), sliced(batchOf(1000, 4003), 5, 3003), batchOf(4003, 4010)];
    const ids = [...Array.from({ length: 1000 }, (_, k) => k), ...Array.from({ length: 2998 }, (_, k) => 1005 + k), ...Array.from({ length: 7 }, (_, k) => 4003 + k)];
    const file = encodeParquet(schema, batches, compression as CompressionName);
    const path = join(dir, `all-${compression}.parquet`);
    writeFileSync(path, Buffer.concat(file.chunks));
    expect(file.rows).toBe(ids.length);

    const rows = await duckRows(path);
    expect(rows.length).toBe(ids.length);
    rows.forEach((r, k) => {
      const e = expected(ids[k]!);
      expect({ ...r, f: r.f === null ? null : Math.fround(r.f as number) }, `row ${k} (source row ${ids[k]})`).toEqual(e);
    });

    // arrow-rs (parquet-wasm) gets the Arrow types back from the footer's ARROW:schema.
    const table = [...RecordBatchReader.from(readParquet(Buffer.concat(file.chunks)).intoIPCStream())];
    expect(table.reduce((n, b) => n + b.numRows, 0)).toBe(ids.length);
    expect(table[0]!.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.metadata.get('ferry.type')}`)).toEqual(
      schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.metadata.get('ferry.type')}`),
    );
    const txt = table.flatMap((b) => b.getChild('txt')!.toArray() as (string | null)[]);
    expect(txt).toEqual(ids.map((n) => row(n)[14]));
  });

  test('pages are cut inside a batch, row groups at a million rows, and chunk min/max are what the data holds', async () => {
    const n = 1_100_000;
    const text = createBuilders(
      ferrySchema([
        { name: 'id', type: 'bigint' },
        { name: 'v', type: 'double' },
        { name: 'txt', type: 'string' },
      ]),
    );
    const s2 = ferrySchema([
      { name: 'id', type: 'bigint' },
      { name: 'v', type: 'double' },
      { name: 'txt', type: 'string' },
    ]);
    for (let k = 0; k < n; k++) {
      text[0]!.append(BigInt(k) - 500_000n);
      if (k % 1000 === 999) text[1]!.appendNull();
      else text[1]!.append(k === 10 ? Number.NaN : k === 20 ? -0 : k / 1000);
      text[2]!.append(`row ${k}`);
    }
    const path = join(dir, 'big.parquet');
    writeFileSync(path, Buffer.concat(encodeParquet(s2, [finishBatch(s2, text)], 'snappy').chunks));
    await withDuckDB(async (c) => {
      const meta = (
        await c.runAndReadAll(`SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count, row_group_num_rows FROM parquet_metadata('${path}') ORDER BY 1, 2`)
      ).getRowObjectsJS();
      expect(meta.filter((m) => m.path_in_schema === 'id').map((m) => [m.row_group_num_rows, m.stats_min_value, m.stats_max_value])).toEqual([
        [1_048_576n, '-500000', '548575'],
        [51_424n, '548576', '599999'],
      ]);
      // NaN is left out of min/max; nulls are counted.
      const v = meta.filter((m) => m.path_in_schema === 'v');
      expect(v.map((m) => m.stats_null_count)).toEqual([1048n, 52n]);
      // A minimum of zero is written as -0.0 (the Parquet rule for float statistics).
      expect(Number(v[0]!.stats_min_value)).toBe(-0);
      const sums = (
        await c.runAndReadAll(
          `SELECT count(*)::INTEGER n, count(v)::INTEGER nv, sum(id)::VARCHAR ids, max(length(txt))::INTEGER longest, count(DISTINCT txt)::INTEGER distinct_txt FROM read_parquet('${path}')`,
        )
      ).getRowObjectsJS();
      expect(sums).toEqual([{ n, nv: n - 1100, ids: String((BigInt(n) * BigInt(n - 1)) / 2n - 500_000n * BigInt(n)), longest: 11, distinct_txt: n }]);
      // Row-group pruning works on what the footer says.
      expect((await c.runAndReadAll(`SELECT count(*)::INTEGER n FROM read_parquet('${path}') WHERE id > 548575`)).getRowObjectsJS()).toEqual([{ n: 51_424 }]);
    });
  });

  test('text longer than 16 MiB next to empty strings, and bytes Arrow keeps under null slots, are written as they are', async () => {
    const s1 = ferrySchema([{ name: 'txt', type: 'string' }]);
    const huge = 'y'.repeat(17 * 1024 * 1024);
    const b = createBuilders(s1);
    for (const v of ['', huge, '', 'a', huge.slice(0, 100), '']) b[0]!.append(v);
    const first = finishBatch(s1, b);
    // A null whose slot still spans bytes ("hidden"): legal Arrow, which the encoder must skip.
    const values = Buffer.from('keephiddenkeep');
    const data = makeData({ type: new Utf8(), length: 3, nullCount: 1, nullBitmap: Uint8Array.of(0b101), valueOffsets: Int32Array.of(0, 4, 10, 14), data: values });
    const second = new RecordBatch(s1, makeData({ type: new Struct(s1.fields), length: 3, nullCount: 0, children: [data] }));
    const path = join(dir, 'long.parquet');
    writeFileSync(path, Buffer.concat(encodeParquet(s1, [first, second], 'none').chunks));
    await withDuckDB(async (c) => {
      const rows = (await c.runAndReadAll(`SELECT length(txt)::INTEGER n, CASE WHEN length(txt) < 20 THEN txt END v FROM read_parquet('${path}')`)).getRowObjectsJS();
      expect(rows).toEqual([
        { n: 0, v: '' },
        { n: huge.length, v: null },
        { n: 0, v: '' },
        { n: 1, v: 'a' },
        { n: 100, v: null },
        { n: 0, v: '' },
        { n: 4, v: 'keep' },
        { n: null, v: null },
        { n: 4, v: 'keep' },
      ]);
    });
  });
});

/** Every value of every column, as Arrow JS reads them (NaN and -0 spelled out, bytes as hex). */
function cells(batches: RecordBatch[]): unknown[][] {
  return schema.fields.map((_, c) =>
    batches.flatMap((b) => {
      const v = b.getChildAt(c)!;
      return Array.from({ length: b.numRows }, (_, k) => {
        const x = v.get(k) as unknown;
        if (typeof x === 'bigint') return `${x}n`;
        if (typeof x === 'number') return Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : x;
        if (x instanceof Uint8Array || x instanceof Uint32Array) return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');
        return x;
      });
    }),
  );
}

/** The file read back by arrow-rs (parquet-wasm). */
function arrowRs(file: { chunks: Buffer[] }): RecordBatch[] {
  return [...RecordBatchReader.from(readParquet(Buffer.concat(file.chunks)).intoIPCStream())];
}

describe('the Parquet encoder at the edges', () => {
  test('no batches, batches of no rows, and columns of nothing but nulls', async () => {
    const none = finishBatch(schema, createBuilders(schema));
    const nulls = (n: number) => {
      const b = createBuilders(schema);
      for (let k = 0; k < n; k++) for (const col of b) col.appendNull();
      return finishBatch(schema, b);
    };
    for (const [name, batches, rows] of [
      ['empty', [], 0],
      ['no-rows', [none, none], 0],
      ['all-null', [none, nulls(13), none, sliced(nulls(20), 3, 12)], 22],
    ] as const) {
      const file = encodeParquet(schema, [...batches], 'lz4_raw');
      expect(file.rows, name).toBe(rows);
      const back = arrowRs(file);
      expect(
        back.reduce((n, b) => n + b.numRows, 0),
        name,
      ).toBe(rows);
      expect(cells(back), name).toEqual(cells([...batches]));
      const path = join(dir, `${name}.parquet`);
      writeFileSync(path, Buffer.concat(file.chunks));
      await withDuckDB(async (c) => {
        expect((await c.runAndReadAll(`SELECT count(*)::INTEGER n, count(txt)::INTEGER t, count(b)::INTEGER b FROM read_parquet('${path}')`)).getRowObjectsJS(), name).toEqual([
          { n: rows, t: 0, b: 0 },
        ]);
        const meta = (await c.runAndReadAll(`SELECT stats_null_count n, stats_min_value lo, stats_max_value hi FROM parquet_metadata('${path}')`)).getRowObjectsJS();
        expect(
          meta.every((m) => m.n === BigInt(rows) && m.lo === null && m.hi === null),
          name,
        ).toBe(true);
      });
    }
  });

  test('pages of only nulls, booleans and validity bits across many unaligned slices, text lengths that fall', async () => {
    // 300k rows: the first page of every fixed-width column (262144 values) holds only nulls.
    const s1 = ferrySchema([
      { name: 'i', type: 'int' },
      { name: 'd', type: 'double' },
      { name: 'txt', type: 'string' },
      { name: 'b', type: 'boolean' },
    ]);
    const b = createBuilders(s1);
    const n = 300_000;
    for (let k = 0; k < n; k++) {
      if (k < 270_000 || k % 3 === 0) b[0]!.appendNull();
      else b[0]!.append(k);
      if (k < 270_000) b[1]!.appendNull();
      else b[1]!.append(k / 4);
      // Lengths 299..0 over and over: every delta is -1 but at the wrap (+299).
      if (k < 262_144 || k % 7 === 0) b[2]!.appendNull();
      else b[2]!.append('z'.repeat(299 - (k % 300)));
      if (k % 5 === 0) b[3]!.appendNull();
      else b[3]!.append(k % 3 === 0);
    }
    const whole = finishBatch(s1, b);
    // Cut at odd offsets, so that neither values nor validity bits start on a byte.
    const parts: RecordBatch[] = [];
    for (let at = 0, k = 0; at < n; k++) {
      const len = Math.min(n - at, [1, 3, 7, 9, 13, 61, 1001, 100_003][k % 8]!);
      const part = whole.slice(at, at + len);
      parts.push(new RecordBatch(s1, makeData({ type: new Struct(s1.fields), length: len, nullCount: 0, children: part.data.children })));
      at += len;
    }
    const file = encodeParquet(s1, parts, 'none');
    const back = arrowRs(file);
    for (const name of ['i', 'd', 'txt', 'b']) {
      const got = back.flatMap((x) => Array.from({ length: x.numRows }, (_, k) => x.getChild(name)!.get(k) as unknown));
      const want = Array.from({ length: n }, (_, k) => whole.getChild(name)!.get(k) as unknown);
      // One comparison of the whole column would print 300k values on a failure: find the first difference.
      const first = want.findIndex((v, k) => v !== got[k]);
      expect(got.length, name).toBe(n);
      expect(first, `${name}: row ${first} is ${String(got[first])}, expected ${String(want[first])}`).toBe(-1);
    }
  });
});
