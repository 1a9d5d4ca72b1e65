import { describe, expect, it } from 'vitest';
import { describeSchema, FerryError, t, validate, z } from '@ferry/core';
import { validateJob } from '@ferry/core/engine';

const reader = t.object({
  rows: t.integer({ min: 1 }).describe('how many rows'),
  name: t.string().optional(),
  mode: t.enum(['a', 'b'] as const).default('a'),
  cols: t.array(t.object({ index: t.integer({ min: 0 }) })).optional(),
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

describe('config validation never shows a secret', () => {
  const mysqlLike = t.object({ url: t.string(), password: t.string().optional(), pasword: t.string().optional(), headers: t.record(t.string()).optional(), token: t.integer().optional() });

  it('hides the value of a secret-looking key whatever its type (issue 9 item 3)', () => {
    const msg = message(() => validate(mysqlLike, { url: 'mysql://h/db', password: 98765432101 }, 'reader'));
    expect(msg).toBe('reader.password: expected a string, got a number (value hidden: secret key)');
    expect(msg).not.toContain('98765432101');
    expect(message(() => validate(mysqlLike, { url: 'x', pasword: ['s3cr3t-list'] }, 'reader'))).not.toContain('s3cr3t');
    expect(message(() => validate(mysqlLike, { url: 'x', token: 'tok-SENTINEL' }, 'reader'))).toBe('reader.token: expected an integer, got a string (value hidden: secret key)');
    expect(message(() => validate(mysqlLike, { url: 'x', headers: { Authorization: 12345678 } }, 'reader'))).not.toContain('12345678');
  });

  it('masks URL credentials in a value it shows', () => {
    const msg = message(() => validate(t.object({ url: t.integer() }), { url: 'mysql://u:SENTINEL@h/db' }, 'reader'));
    expect(msg).not.toContain('SENTINEL');
    expect(msg).toContain('mysql://u:***@h');
  });
});

describe('zod schemas', () => {
  it('takes a plugin schema written with zod itself, normalising the config once', () => {
    const schema = z.strictObject({ hosts: z.string().transform((s) => s.split(',')), port: z.number().int().default(3306) });
    expect(validate(schema, { hosts: 'a,b' }, 'reader')).toEqual({ hosts: ['a', 'b'], port: 3306 });
    expect(message(() => validate(schema, { hosts: 'a', port: 1.5 }, 'reader'))).toMatch(/^reader\.port: /);
  });

  it('reports the union option that got furthest', () => {
    const s = t.object({ ssl: t.union([t.boolean(), t.object({ ca: t.string() })], 'true, false or {ca}').optional() });
    expect(message(() => validate(s, { ssl: 'yes' }, 'reader'))).toBe('reader.ssl: expected true, false or {ca}, got "yes"');
    expect(message(() => validate(s, { ssl: { ca: 1 } }, 'reader'))).toBe('reader.ssl.ca: expected a string, got 1');
  });

  it('describes each field with an example, from the JSON Schema', () => {
    const s = t.object({
      rows: t
        .integer({ min: 1 })
        .describe('how many')
        .meta({ examples: [1000] }),
      mode: t.enum(['a', 'b'] as const).default('b'),
    });
    expect(describeSchema(s)).toEqual([
      { path: 'rows', expected: 'a positive integer', required: true, description: 'how many', example: 1000 },
      { path: 'mode', expected: 'one of "a", "b"', required: false, default: 'b', example: 'b' },
    ]);
  });
});
