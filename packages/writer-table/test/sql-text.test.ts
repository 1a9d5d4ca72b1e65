import { describe, expect, test } from 'vitest';
import { displayWidth, errorPosition, textGrid } from '@ferry/writer-table/sql';
import { quotePartitionLiterals } from '../src/sql/partition-literals.js';

describe('partition literals', () => {
  test('an integer compared with a STRING partition column is quoted, on either side, and nothing else is', () => {
    expect(quotePartitionLiterals('select count(*) from t where dt=20240620;', ['dt'])).toBe("select count(*) from t where dt='20240620';");
    expect(quotePartitionLiterals('select * from t where 20240620 = t.dt and "dt" <> 1', ['dt'])).toBe(`select * from t where '20240620' = t.dt and "dt" <> '1'`);
    expect(quotePartitionLiterals("select * from t where dt = '20240620' and dtx = 5 and dt > 3 and dt = 1.5 -- dt=1", ['dt'])).toBe(
      "select * from t where dt = '20240620' and dtx = 5 and dt > 3 and dt = 1.5 -- dt=1",
    );
    expect(quotePartitionLiterals("select 'dt=1' as s", ['dt'])).toBe("select 'dt=1' as s");
  });
});

describe('display width', () => {
  test('CJK and emoji take two columns, combining marks none, ZWJ sequences and flags one emoji', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('白羊座')).toBe(6);
    expect(displayWidth('😀')).toBe(2);
    expect(displayWidth('👨‍👩‍👧')).toBe(2);
    expect(displayWidth('🇨🇳')).toBe(2);
    expect(displayWidth('é')).toBe(1);
    expect(displayWidth('ｱ')).toBe(1);
    expect(displayWidth('Ａ')).toBe(2);
  });

  test('a grid pads by display width', () => {
    expect(
      textGrid(
        ['a', 'b'],
        [
          ['白羊', 'x'],
          ['ab', 'y'],
        ],
      ),
    ).toBe('a    | b\n-----+--\n白羊 | x\nab   | y\n');
  });
});

describe('error positions', () => {
  test("DuckDB's caret becomes a line and column of the statement, also in a cut-down long line", () => {
    expect(errorPosition('Parser Error: x\n\nLINE 1: select * frm t\n                     ^', 'select * frm t')).toEqual({ line: 1, column: 14 });
    const long = 'select ' + 'a, '.repeat(60) + 'nosuch from t';
    const shown = '...' + long.slice(120, 200);
    const caret = ' '.repeat('LINE 1: '.length + 3 + long.indexOf('nosuch') - 120) + '^';
    expect(errorPosition(`Binder Error: y\n\nLINE 1: ${shown}\n${caret}`, long)).toEqual({ line: 1, column: long.indexOf('nosuch') + 1 });
  });
});

describe('numbers in query results', () => {
  test('DOUBLE and FLOAT read as MySQL prints them: shortest digits, exponent only past 15 digits', async () => {
    const { valueText } = await import('../src/sql/result-text.js');
    const { DuckDBTypeId } = await import('@duckdb/node-api');
    expect(valueText(1e20, DuckDBTypeId.DOUBLE)).toBe('1e20');
    expect(valueText(1e14, DuckDBTypeId.DOUBLE)).toBe('100000000000000');
    expect(valueText(1.5e-16, DuckDBTypeId.DOUBLE)).toBe('1.5e-16');
    expect(valueText(0.1, DuckDBTypeId.DOUBLE)).toBe('0.1');
    expect(valueText(Math.fround(1e20), DuckDBTypeId.FLOAT)).toBe('1e20');
    expect(valueText(Math.fround(0.1), DuckDBTypeId.FLOAT)).toBe('0.1');
  });
});
