import { describe, expect, it } from 'vitest';
import { createBuilders, ferrySchema, finishBatch, formatDecimal, parseDateTime, readInt128 } from '@ferry/core';
import { createConverter, planConvert } from '@ferry/core/engine';
import type { RecordBatch } from 'apache-arrow';

function batchOf(columns: { name: string; type: string }[], rows: unknown[][]): RecordBatch {
  const schema = ferrySchema(columns);
  const b = createBuilders(schema);
  for (const row of rows) row.forEach((v, i) => b[i]!.append(v));
  return finishBatch(schema, b);
}

function convert(src: { name: string; type: string }[], dst: { name: string; type: string }[], rows: unknown[][]) {
  const s = ferrySchema(src);
  const d = ferrySchema(dst);
  const run = createConverter(planConvert(s, d), s, d);
  return run(batchOf(src, rows));
}

describe('convert', () => {
  it('passes identical types through untouched and renames to the writer columns', () => {
    const { batch, dirty } = convert([{ name: 'a', type: 'string' }], [{ name: 'col', type: 'string' }], [['x'], [null]]);
    expect(dirty).toEqual([]);
    expect(batch.schema.fields[0]!.name).toBe('col');
    expect(batch.getChild('col')!.toArray()).toEqual(['x', null]);
  });

  it('casts text to numbers and sets aside rows that do not fit as dirty, with the reason', () => {
    const { batch, dirty } = convert(
      [
        { name: 'id', type: 'string' },
        { name: 'small', type: 'string' },
      ],
      [
        { name: 'id', type: 'bigint' },
        { name: 'small', type: 'tinyint' },
      ],
      [
        ['1', '5'],
        ['abc', '1'],
        ['3', '300'],
        ['-9223372036854775808', '-128'],
      ],
    );
    expect(batch.numRows).toBe(2);
    expect([...batch.getChild('id')!.toArray()]).toEqual([1n, -9223372036854775808n]);
    expect([...batch.getChild('small')!.toArray()]).toEqual([5, -128]);
    expect(dirty.map((d) => [d.row, d.reason])).toEqual([
      [1, 'id: "abc" is not an integer'],
      [2, 'small: 300 is out of range for TINYINT'],
    ]);
    expect(dirty[0]!.record).toEqual({ id: 'abc', small: '1' });
  });

  it('rejects impossible dates and accepts real ones', () => {
    const { batch, dirty } = convert([{ name: 'd', type: 'string' }], [{ name: 'd', type: 'date' }], [['2024-02-29'], ['2023-02-29'], ['2024-13-01']]);
    expect(batch.numRows).toBe(1);
    expect(dirty.map((d) => d.reason)).toEqual(['d: "2023-02-29" is not a valid date', 'd: "2024-13-01" is not a valid date']);
  });

  it('formats every type as canonical text for STRING columns', () => {
    const src = [
      { name: 'i', type: 'bigint' },
      { name: 'f', type: 'float' },
      { name: 'd', type: 'double' },
      { name: 'dec', type: 'decimal(10,2)' },
      { name: 'dt', type: 'date' },
      { name: 'ts', type: 'datetime' },
      { name: 'b', type: 'boolean' },
    ];
    const { batch } = convert(
      src,
      src.map((c) => ({ name: c.name, type: 'string' })),
      [[2n ** 62n, Math.fround(3.14), 0.1 + 0.2, '2.99', 19894, parseDateTime('2005-05-24 22:53:30'), true]],
    );
    expect(batch.get(0)!.toJSON()).toEqual({ i: '4611686018427387904', f: '3.14', d: '0.30000000000000004', dec: '2.99', dt: '2024-06-20', ts: '2005-05-24 22:53:30', b: 'true' });
  });

  it('rescales decimals exactly and checks precision', () => {
    const { batch, dirty } = convert([{ name: 'v', type: 'string' }], [{ name: 'v', type: 'decimal(5,2)' }], [['123.456'], ['-0.005'], ['12345.6']]);
    const words = batch.getChild('v')!.data[0]!.values as Uint32Array;
    expect([formatDecimal(readInt128(words, 0), 2), formatDecimal(readInt128(words, 4), 2)]).toEqual(['123.46', '-0.01']);
    expect(dirty.map((d) => d.reason)).toEqual(['v: "12345.6" does not fit DECIMAL(5,2)']);
  });

  it('casts DECIMAL into another precision or scale value by value (Arrow calls all Decimals equal)', () => {
    const dec = (t: string) => [{ name: 'v', type: t }];
    expect(planConvert(ferrySchema(dec('decimal(10,2)')), ferrySchema(dec('decimal(4,2)'))).ops).toEqual(['cast']);
    expect(planConvert(ferrySchema(dec('decimal(10,2)')), ferrySchema(dec('decimal(10,3)'))).ops).toEqual(['cast']);
    expect(planConvert(ferrySchema(dec('decimal(10,2)')), ferrySchema(dec('decimal(10,2)'))).ops).toEqual(['pass']);
    const wide = convert(dec('decimal(10,2)'), dec('decimal(12,3)'), [[1234n], [-9999n]]);
    const w = wide.batch.getChild('v')!.data[0]!.values as Uint32Array;
    expect([formatDecimal(readInt128(w, 0), 3), formatDecimal(readInt128(w, 4), 3)]).toEqual(['12.340', '-99.990']);
    const narrow = convert(dec('decimal(10,2)'), dec('decimal(4,2)'), [[1234n], [12345n]]);
    expect(narrow.batch.numRows).toBe(1);
    expect(narrow.dirty.map((d) => d.reason)).toEqual(['v: "123.45" does not fit DECIMAL(4,2)']);
  });

  it('casts between integer widths, signs and timestamp units instead of passing them through', () => {
    const plan = (a: string, b: string) => planConvert(ferrySchema([{ name: 'v', type: a }]), ferrySchema([{ name: 'v', type: b }])).ops[0];
    expect(plan('bigint', 'int')).toBe('cast');
    expect(plan('int', 'bigint')).toBe('cast');
    expect(plan('datetime', 'timestamp')).toBe('cast');
    expect(plan('string', 'varchar(5)')).toBe('cast');
    expect(plan('bigint', 'bigint')).toBe('pass');
  });

  it('enforces VARCHAR(n) lengths in characters, not bytes', () => {
    const { batch, dirty } = convert([{ name: 's', type: 'string' }], [{ name: 's', type: 'varchar(3)' }], [['äöü'], ['abcd']]);
    expect(batch.getChild('s')!.toArray()).toEqual(['äöü']);
    expect(dirty[0]!.reason).toBe('s: text of 4 characters does not fit VARCHAR(3)');
  });

  it('refuses mappings with different column counts or no conversion, before data moves', () => {
    expect(() =>
      planConvert(
        ferrySchema([{ name: 'a', type: 'string' }]),
        ferrySchema([
          { name: 'x', type: 'string' },
          { name: 'y', type: 'string' },
        ]),
      ),
    ).toThrow('column count mismatch: the reader gives 1 column(s) (a) but the writer expects 2 (x, y); columns map by position');
    expect(() => planConvert(ferrySchema([{ name: 'd', type: 'date' }]), ferrySchema([{ name: 'n', type: 'bigint' }]))).toThrow('column 1 (d date -> n bigint): no conversion');
  });
});

describe('number text', () => {
  it('prints doubles as MySQL does: plain notation, exponent only from 1e15 or below 1e-15', async () => {
    const { normalizeNumber } = await import('@ferry/core');
    const cases: [number, string][] = [
      [1e15, '1e15'],
      [1.5e-10, '0.00000000015'],
      [1e-7, '0.0000001'],
      [123456789012345, '123456789012345'],
      [-2.5, '-2.5'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1e-16, '1e-16'],
      [-1.25e20, '-1.25e20'],
      [100, '100'],
      [0, '0'],
    ];
    for (const [x, text] of cases) expect(normalizeNumber(String(x))).toBe(text);
  });
});
