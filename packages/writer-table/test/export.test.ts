import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDate, parseDateTime } from '@ferry/core';
import { createTable, exportRows, type Store } from '@ferry/writer-table';
import { tableFromIPC } from 'apache-arrow';
import { collector, tempStore, writeTable } from './helpers.js';

let dir: string;
let store: Store;
let cleanup: () => Promise<void>;

const DDL = `CREATE TABLE all_types (
  s STRING, v VARCHAR(10), c CHAR(3), b BIGINT, i INT, si SMALLINT, ti TINYINT, bo BOOLEAN,
  d DOUBLE, f FLOAT, dec DECIMAL(20,4), da DATE, dtm DATETIME, ts TIMESTAMP, bin BINARY
) PARTITIONED BY (dt STRING)`;

// Rows as the writer receives them (destination types): text, ints, bigints, day numbers, micros, bytes.
const ROWS: unknown[][] = [
  [
    'héllo, "wörld"',
    'línea\ndos',
    'abc',
    9007199254740993n,
    -2147483648,
    -32768,
    -128,
    true,
    0.1,
    0.1,
    '-12345678901234.5678',
    parseDate('2024-02-29'),
    parseDateTime('2024-06-20 13:45:01.123456'),
    parseDateTime('1969-12-31 23:59:59.5'),
    new Uint8Array([0, 255, 1]),
  ],
  ['', '', '', 0n, 0, 0, 0, false, -0.5, 3.5, '0.0001', parseDate('1970-01-01'), parseDateTime('2024-06-20 00:00:00'), parseDateTime('2038-01-19 03:14:08'), new Uint8Array([])],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [
    '日本語 🚀',
    "it's",
    'x,y',
    9223372036854775807n,
    2147483647,
    32767,
    127,
    true,
    1e300,
    -1.25,
    '99999999999999.9999',
    parseDate('9999-12-31'),
    parseDateTime('0001-01-01 00:00:00.001'),
    parseDateTime('2024-06-20 13:45:01.100'),
    new TextEncoder().encode('日本'),
  ],
];

beforeEach(async () => {
  ({ dir, store, cleanup } = tempStore());
  await createTable(store, 'default', DDL);
  await writeTable(dir, { table: 'all_types', partition: 'dt=20240620' }, [[ROWS]]);
});
afterEach(() => cleanup());

async function exported(format: 'jsonl' | 'csv' | 'arrow'): Promise<ReturnType<typeof collector>> {
  const c = collector();
  const { rows } = await exportRows(store, 'default', 'all_types', { format, out: c.out });
  expect(rows).toBe(ROWS.length);
  return c;
}

describe('export round-trips every type', () => {
  it('JSON Lines: exact text for each type, NULL as null, empty string kept', async () => {
    const lines = (await exported('jsonl')).text().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(
      '{"s":"héllo, \\"wörld\\"","v":"línea\\ndos","c":"abc","b":9007199254740993,"i":-2147483648,"si":-32768,"ti":-128,"bo":true,' +
        '"d":0.1,"f":0.1,"dec":"-12345678901234.5678","da":"2024-02-29","dtm":"2024-06-20 13:45:01.123456","ts":"1969-12-31 23:59:59.500",' +
        '"bin":"AP8B","dt":"20240620"}',
    );
    expect(JSON.parse(lines[1]!)).toEqual({
      s: '',
      v: '',
      c: '',
      b: 0,
      i: 0,
      si: 0,
      ti: 0,
      bo: false,
      d: -0.5,
      f: 3.5,
      dec: '0.0001',
      da: '1970-01-01',
      dtm: '2024-06-20 00:00:00',
      ts: '2038-01-19 03:14:08',
      bin: '',
      dt: '20240620',
    });
    expect(JSON.parse(lines[2]!)).toEqual({
      s: null,
      v: null,
      c: null,
      b: null,
      i: null,
      si: null,
      ti: null,
      bo: null,
      d: null,
      f: null,
      dec: null,
      da: null,
      dtm: null,
      ts: null,
      bin: null,
      dt: '20240620',
    });
    expect(lines[3]).toBe(
      '{"s":"日本語 🚀","v":"it\'s","c":"x,y","b":9223372036854775807,"i":2147483647,"si":32767,"ti":127,"bo":true,' +
        '"d":1e300,"f":-1.25,"dec":"99999999999999.9999","da":"9999-12-31","dtm":"0001-01-01 00:00:00.001","ts":"2024-06-20 13:45:01.100",' +
        `"bin":"${Buffer.from('日本').toString('base64')}","dt":"20240620"}`,
    );
  });

  it('CSV: RFC 4180 with a header, NULL as an empty field and an empty string as ""', async () => {
    const text = (await exported('csv')).text();
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('s,v,c,b,i,si,ti,bo,d,f,dec,da,dtm,ts,bin,dt');
    expect(lines[1]).toBe(
      '"héllo, ""wörld""","línea\ndos",abc,9007199254740993,-2147483648,-32768,-128,true,0.1,0.1,-12345678901234.5678,2024-02-29,2024-06-20 13:45:01.123456,1969-12-31 23:59:59.500,AP8B,20240620',
    );
    expect(lines[2]).toBe('"","","",0,0,0,0,false,-0.5,3.5,0.0001,1970-01-01,2024-06-20 00:00:00,2038-01-19 03:14:08,"",20240620');
    expect(lines[3]).toBe(',,,,,,,,,,,,,,,20240620');
    // DuckDB's CSV writer prints a DOUBLE past 15 digits with an explicit exponent sign (1e+300; JSON Lines: 1e300).
    expect(lines[4]).toBe(
      `日本語 🚀,it's,"x,y",9223372036854775807,2147483647,32767,127,true,1e+300,-1.25,99999999999999.9999,9999-12-31,0001-01-01 00:00:00.001,2024-06-20 13:45:01.100,${Buffer.from('日本').toString('base64')},20240620`,
    );
    expect(lines[5]).toBe('');
  });

  it('Arrow IPC: the same values and ferry types come back', async () => {
    const table = tableFromIPC((await exported('arrow')).bytes());
    expect(table.numRows).toBe(4);
    expect(table.schema.fields.map((f) => f.metadata.get('ferry.type'))).toEqual([
      'string',
      'varchar(10)',
      'char(3)',
      'bigint',
      'int',
      'smallint',
      'tinyint',
      'boolean',
      'double',
      'float',
      'decimal(20,4)',
      'date',
      'datetime',
      'timestamp',
      'binary',
      'string',
    ]);
    const col = (name: string) => table.getChild(name)!.toArray();
    expect(table.getChild('s')!.toJSON()).toEqual(['héllo, "wörld"', '', null, '日本語 🚀']);
    // The value slot under a NULL is unspecified (Parquet round trip): compare the non-null rows only.
    expect([0, 1, 3].map((i) => col('b')[i])).toEqual([9007199254740993n, 0n, 9223372036854775807n]);
    expect(table.getChild('b')!.get(2)).toBeNull();
    expect(table.getChild('bin')!.get(0)).toEqual(new Uint8Array([0, 255, 1]));
    expect(table.getChild('dt')!.toJSON()).toEqual(['20240620', '20240620', '20240620', '20240620']);
  });

  it('exports only the selected partition and nothing for an empty one', async () => {
    const c = collector();
    expect((await exportRows(store, 'default', 'all_types', { format: 'jsonl', partition: 'dt=20990101', out: c.out })).rows).toBe(0);
    expect(c.text()).toBe('');
    const csv = collector();
    await exportRows(store, 'default', 'all_types', { format: 'csv', partition: 'dt=20990101', out: csv.out });
    expect(csv.text()).toBe('s,v,c,b,i,si,ti,bo,d,f,dec,da,dtm,ts,bin,dt\r\n');
  });
});
