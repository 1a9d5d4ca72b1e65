import { describe, expect, it } from 'vitest';
import { ErrorCodes, FerryError } from '@ferry/core';
import { parseJobText, parseParamArgs, substitute } from '@ferry/core/engine';

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
      expect((err as FerryError).message).toBe('unfilled placeholders ${bizdate} (in writer.partition), ${since} (in reader.where) (give a value with -p name=value or --bizdate yyyymmdd)');
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

describe('job files that could crash or mislead (issue 9 item 10)', () => {
  const msg = (text: string, file: string) => {
    try {
      parseJobText(text, file);
    } catch (err) {
      expect(err).toBeInstanceOf(FerryError);
      expect((err as FerryError).code).toBe(ErrorCodes.CONFIG);
      return (err as FerryError).message;
    }
    throw new Error('expected an error');
  };

  it('rejects a self-referencing YAML alias with one line', () => {
    expect(msg('reader: &r {plugin: generate, self: *r}\nwriter: {plugin: "null"}\n', 'job.yaml')).toBe('job.yaml: reader.self: refers to itself (a YAML alias inside its own anchor)');
  });

  it('rejects deeply nested JSON and YAML', () => {
    const deep = '{"reader":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
    expect(msg(deep, 'job.json')).toMatch(/^job\.json: reader(\[0\])+: nested deeper than 64 levels$/);
    expect(msg('reader: ' + '['.repeat(3000) + ']'.repeat(3000) + '\n', 'job.yaml')).toMatch(/^job\.yaml: .*nested deeper than 64 levels$/);
  });

  it('rejects a key given twice in JSON, as YAML does', () => {
    expect(msg('{"reader": {"plugin": "generate", "rows": 1,\n  "rows": 2}, "writer": {"plugin": "null"}}', 'job.json')).toBe('job.json: key "rows" appears twice in one object (line 2, column 3)');
    expect(msg('reader:\n  plugin: generate\n  plugin: x\n', 'job.yaml')).toMatch(/^job\.yaml: invalid YAML: .*[Dd]uplicate|unique/);
    // The same key in two objects is fine.
    expect(parseJobText('{"a": {"k": 1}, "b": {"k": 2}}', 'job.json')).toEqual({ a: { k: 1 }, b: { k: 2 } });
  });

  it('rejects a "__proto__" key as unknown', () => {
    expect(msg('{"reader": {"plugin": "generate", "__proto__": {"rows": 5}}}', 'job.json')).toBe('job.json: reader.__proto__: unknown key');
    expect(msg('reader:\n  plugin: generate\n  __proto__: {rows: 5}\n', 'job.yaml')).toBe('job.yaml: reader.__proto__: unknown key');
  });

  it('does not echo the content of a file that is not a job', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:SENTINEL:/usr/sbin:/usr/sbin/nologin\n';
    const m = msg(passwd, '/etc/passwd');
    expect(m).toMatch(/^\/etc\/passwd: invalid JSON/);
    expect(m).not.toMatch(/root:x|SENTINEL/);
    const y = msg(passwd, 'job.yaml');
    expect(y).not.toMatch(/root:x|SENTINEL/);
  });
});

describe('plugin: null in YAML (issue 9 item 21)', () => {
  it('says to quote it instead of "expected a non-empty string, got null"', async () => {
    const { validateJob, parseJobText } = await import('@ferry/core/engine');
    const job = parseJobText('reader: { plugin: generate, rows: 1 }\nwriter: { plugin: null }\n', 'job.yaml');
    expect(() => validateJob(job, 'job.yaml')).toThrow('job.yaml: writer.plugin: got null; in YAML a bare null is no value: quote it (plugin: "null") to name the null plugin');
    expect(validateJob(parseJobText('reader: { plugin: generate, rows: 1 }\nwriter: { plugin: "null" }\n', 'job.yaml'), 'job.yaml').writer.plugin).toBe('null');
  });
});
