import { describe, expect, it } from 'vitest';
import { describeSchema, FerryError, t, validate, validateJob } from '@ferry/core';

const reader = t.object({
  rows: t.integer({ min: 1 }).describe('how many rows'),
  name: t.string().optionalField(),
  mode: t.enum(['a', 'b'] as const).default('a'),
  cols: t.array(t.object({ index: t.integer({ min: 0 }) })).optionalField(),
});

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError);
    return (err as FerryError).message;
  }
  throw new Error('expected an error');
}

describe('config validation', () => {
  it('names the path and the expectation', () => {
    expect(message(() => validate(reader, { rows: -3 }, 'reader'))).toBe('reader.rows: expected a positive integer, got -3');
    expect(message(() => validate(reader, { rows: 'x' }, 'reader'))).toBe('reader.rows: expected a positive integer, got "x"');
    expect(message(() => validate(reader, {}, 'reader'))).toBe('reader.rows: is required (a positive integer)');
  });

  it('names array items and nested keys', () => {
    expect(message(() => validate(reader, { rows: 1, cols: [{ index: 0 }, { index: 1.5 }] }, 'reader'))).toBe('reader.cols[1].index: expected a non-negative integer, got 1.5');
  });

  it('rejects unknown keys and suggests the close one', () => {
    expect(message(() => validate(reader, { rows: 1, rwos: 2 }, 'reader'))).toBe('reader.rwos: unknown key (did you mean "rows"?)');
  });

  it('lists every problem at once', () => {
    const msg = message(() => validate(reader, { rows: 0, mode: 'c' }, 'reader'));
    expect(msg).toContain('reader.rows: expected a positive integer, got 0');
    expect(msg).toContain('reader.mode: expected one of "a", "b", got "c"');
  });

  it('fills defaults and keeps valid values', () => {
    expect(validate(reader, { rows: 5 }, 'reader')).toEqual({ rows: 5, mode: 'a' });
  });

  it('describes fields for documentation', () => {
    const rows = describeSchema(reader);
    expect(rows.find((r) => r.path === 'rows')).toMatchObject({ expected: 'a positive integer', required: true, description: 'how many rows' });
  });

  it('checks the job settings with their paths', () => {
    expect(message(() => validateJob({ reader: { plugin: 'generate' }, writer: { plugin: 'null' }, setting: { channel: 0 } }))).toBe('setting.channel: expected an integer from 1 to 256, got 0');
    expect(message(() => validateJob({ reader: { plugin: 'generate' }, writer: {} }))).toBe('writer.plugin: is required (a non-empty string)');
    expect(message(() => validateJob({ reader: { plugin: 'generate' }, writer: { plugin: 'null' }, setting: { errorLimit: { percentage: 2 } } }))).toBe(
      'setting.errorLimit.percentage: expected a number from 0 to 1, got 2',
    );
  });
});
