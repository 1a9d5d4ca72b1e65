import { describe, expect, it } from 'vitest';
import { ErrorCodes, FerryError, parseJobText, parseParamArgs, substitute } from '@ferry/core';

describe('placeholders', () => {
  it('fills ${name} anywhere in the job from params', () => {
    const job = { writer: { partition: 'dt=${bizdate}', list: ['${a}-${a}'] }, n: 3 };
    expect(substitute(job, { bizdate: '20240620', a: 'x' })).toEqual({ writer: { partition: 'dt=20240620', list: ['x-x'] }, n: 3 });
  });

  it('names every unfilled placeholder and where it is', () => {
    try {
      substitute({ writer: { partition: 'dt=${bizdate}' }, reader: { where: "x > '${since}'" } }, {});
      throw new Error('expected an error');
    } catch (err) {
      expect(err).toBeInstanceOf(FerryError);
      expect((err as FerryError).code).toBe(ErrorCodes.PARAM);
      expect((err as FerryError).message).toBe(
        "unfilled placeholders ${bizdate} (in writer.partition), ${since} (in reader.where) (give a value with -p name=value or --bizdate yyyymmdd)",
      );
    }
  });

  it('leaves ${env:NAME} for plugins and asks the resolver about other expressions', () => {
    const out = substitute({ a: '${env:PW}', b: '${yyyymmdd-1}', c: '$[hh24miss]' }, {}, (body, bracket) => `${bracket}${body}`);
    expect(out).toEqual({ a: '${env:PW}', b: '{yyyymmdd-1', c: '[hh24miss' });
  });

  it('parses -p name=value, keeping = in values', () => {
    expect(parseParamArgs(['a=1', 'where=x=y'])).toEqual({ a: '1', where: 'x=y' });
    expect(() => parseParamArgs(['novalue'])).toThrow('-p novalue: expected name=value');
  });
});

describe('job files', () => {
  it('reports invalid JSON with line and column', () => {
    expect(() => parseJobText('{\n  "reader": {\n    "plugin": "generate",\n  }\n}', 'job.json')).toThrow(/^job\.json: invalid JSON at line 4, column 3/);
  });

  it('reads YAML job files', () => {
    expect(parseJobText('reader:\n  plugin: generate\n  rows: 3\n', 'job.yaml')).toEqual({ reader: { plugin: 'generate', rows: 3 } });
  });
});
