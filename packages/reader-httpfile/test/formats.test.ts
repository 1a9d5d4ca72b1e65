import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync, deflateSync } from 'node:zlib';
import { FerryError } from '@ferry/core';
import { linesOf, readAll, startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

function serve(path: string, data: string | Buffer, opts: Record<string, unknown> = {}): string {
  server.files.set(path, { data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data, ...opts });
  return server.url(path);
}

describe('text format', () => {
  it('reads each whole line into one string column when columns are omitted', async () => {
    const text = 'first line\n\nünïcödé 中文 🚀\nlast line without newline';
    const r = await readAll({ url: serve('/whole.txt', text) });
    expect(r.schema.fields.map((f) => f.name)).toEqual(['col']);
    expect(r.schema.fields[0]!.metadata.get('ferry.type')).toBe('string');
    expect(r.rows.map((x) => x[0])).toEqual(linesOf(text));
    expect(r.dirty).toEqual([]);
  });

  it('reads an empty file as no rows and a lone newline as one empty line', async () => {
    expect((await readAll({ url: serve('/empty.txt', '') }, { advice: 2 })).rows).toEqual([]);
    expect((await readAll({ url: serve('/nl.txt', '\n') }, { advice: 2 })).rows).toEqual([['']]);
  });

  it('drops the carriage return of CRLF line ends', async () => {
    const r = await readAll({ url: serve('/crlf.txt', 'a\r\nb\r\n\r\nc\r\n') });
    expect(r.rows.map((x) => x[0])).toEqual(['a', 'b', '', 'c']);
  });

  it('splits lines on a one-character delimiter and picks fields by index', async () => {
    const r = await readAll({
      url: serve('/delim.txt', '1,alice,3.5\n2,bob,4\n'),
      columns: [{ index: 1 }, { index: 0, type: 'long', name: 'id' }, { value: 'x', type: 'string' }],
    });
    expect(r.schema.fields.map((f) => f.name)).toEqual(['col0', 'id', 'col2']);
    expect(r.schema.fields[1]!.metadata.get('ferry.sourceType')).toBe('long');
    expect(r.rows).toEqual([
      ['alice', '1', 'x'],
      ['bob', '2', 'x'],
    ]);
  });

  it('splits lines on a multi-character delimiter, with empty and trailing fields', async () => {
    const r = await readAll({
      url: serve('/multi.txt', 'a||b||c\r\n||x||\n中||文||字\n'),
      fieldDelimiter: '||',
      columns: [{ index: 0 }, { index: 1 }, { index: 2 }],
    });
    expect(r.rows).toEqual([
      ['a', 'b', 'c'],
      ['', 'x', ''],
      ['中', '文', '字'],
    ]);
  });

  it('reads the \\u0001 delimiter of the issue example', async () => {
    const r = await readAll({ url: serve('/ctrl-a.txt', 'a\u0001b\nc\u0001d\n'), fieldDelimiter: '\u0001', columns: [{ index: 1 }, { index: 0 }] });
    expect(r.rows).toEqual([
      ['b', 'a'],
      ['d', 'c'],
    ]);
  });

  it('turns fields equal to nullFormat into NULL', async () => {
    const r = await readAll({ url: serve('/null.txt', '1,\\N\n\\N,2\n'), nullFormat: '\\N', columns: [{ index: 0 }, { index: 1 }] });
    expect(r.rows).toEqual([
      ['1', null],
      [null, '2'],
    ]);
    const whole = await readAll({ url: serve('/null2.txt', 'a\n\\N\n'), nullFormat: '\\N' });
    expect(whole.rows).toEqual([['a'], [null]]);
  });

  it('makes a line with fewer fields than a column asks for a dirty record', async () => {
    const r = await readAll({ url: serve('/missing.txt', 'a,b,c\nd,e\nf,g,h\n'), columns: [{ index: 0 }, { index: 2 }] });
    expect(r.rows).toEqual([
      ['a', 'c'],
      ['f', 'h'],
    ]);
    expect(r.dirty).toEqual([{ row: 'd,e', reason: 'expected at least 3 fields, found 2' }]);
  });

  it('counts dirty rows when the engine has no dirty hook', async () => {
    const r = await readAll({ url: serve('/missing2.txt', 'a\nb,c\n'), columns: [{ index: 1 }] }, { noDirtyHook: true });
    expect(r.rows).toEqual([['c']]);
    expect(r.counters.dirty).toBe(1);
  });

  it('rewrites dates in a declared layout to yyyy-mm-dd and makes bad ones dirty', async () => {
    const r = await readAll({
      url: serve('/dates.txt', '20240620,a\n20241301,b\n,c\n'),
      columns: [{ index: 0, type: 'date', format: 'yyyyMMdd' }, { index: 1 }],
    });
    expect(r.rows).toEqual([
      ['2024-06-20', 'a'],
      ['', 'c'],
    ]);
    expect(r.dirty[0]!.reason).toBe('column col0: "20241301" is not a date in layout yyyyMMdd');
  });

  it('skips the header line of each file', async () => {
    const r = await readAll({
      url: serve('/h1.txt', 'name\na\nb\n'),
      path: undefined,
      skipHeader: true,
    });
    expect(r.rows.map((x) => x[0])).toEqual(['a', 'b']);
  });

  it('reads a base URL plus a list of paths, one split per file', async () => {
    serve('/dir/p1.txt', 'h\n1\n');
    serve('/dir/p2.txt', 'h\n2\n3');
    const r = await readAll({ url: server.url('/dir/'), path: ['p1.txt', '/p2.txt'], skipHeader: true }, { advice: 4 });
    expect(r.splits).toBe(2);
    expect(r.rows.map((x) => x[0])).toEqual(['1', '2', '3']);
  });
});

describe('redirects', () => {
  it('follows a redirect to the file, also for Range splits', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `r${i}`).join('\n') + '\n';
    serve('/real.txt', text);
    server.files.set('/moved.txt', { data: Buffer.alloc(0), redirect: '/real.txt' });
    const r = await readAll({ url: server.url('/moved.txt'), splitSize: 4000 }, { advice: 3 });
    expect(r.splits).toBeGreaterThan(3);
    expect(r.rows.map((x) => x[0])).toEqual(linesOf(text));
  });

  it('keeps sending URL credentials when the server redirects to an absolute URL of the same origin', async () => {
    server.files.set('/real-abs.txt', { data: Buffer.from('x\ny\n') });
    server.files.set('/moved-abs.txt', { data: Buffer.alloc(0), redirect: server.url('/real-abs.txt') });
    server.requests.length = 0;
    const url = server.url('/moved-abs.txt').replace('http://', 'http://us%40er:p%3Ass@');
    const r = await readAll({ url });
    expect(r.rows.map((x) => x[0])).toEqual(['x', 'y']);
    const seen = server.requests.filter((q) => q.path === '/real-abs.txt').map((q) => q.authorization);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((a) => a === `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`)).toBe(true);
  });

  it('fails on a redirect loop, naming the URL', async () => {
    server.files.set('/a.txt', { data: Buffer.alloc(0), redirect: '/b.txt' });
    server.files.set('/b.txt', { data: Buffer.alloc(0), redirect: '/a.txt' });
    await expect(readAll({ url: server.url('/a.txt') })).rejects.toThrow(`${server.url('/a.txt')} redirected more than 5 times`);
  });

  it('sends URL credentials and the Authorization header to the named server only, not to another origin it redirects to', async () => {
    const other = await startServer();
    try {
      other.files.set('/real.txt', { data: Buffer.from('x\ny\n') });
      server.files.set('/moved.txt', { data: Buffer.alloc(0), redirect: other.url('/real.txt') });
      const url = server.url('/moved.txt').replace('http://', 'http://us%40er:p%3Ass@');
      const r = await readAll({ url });
      expect(r.rows.map((x) => x[0])).toEqual(['x', 'y']);
      expect(server.requests.filter((q) => q.path === '/moved.txt').map((q) => q.authorization)).toContain(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
      expect(other.requests.length).toBeGreaterThan(0);
      expect(other.requests.every((q) => q.authorization === undefined)).toBe(true);
      server.requests.length = 0;
      await readAll({ url: server.url('/moved.txt'), headers: { Authorization: 'Bearer t0k' } });
      expect(server.requests.every((q) => q.authorization === 'Bearer t0k')).toBe(true);
      expect(other.requests.every((q) => q.authorization === undefined)).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('many files', () => {
  it('reads twenty files named by paths under one base URL, in order', async () => {
    const paths = Array.from({ length: 20 }, (_, i) => `logs/part-${i}.txt`);
    paths.forEach((p, i) => serve(`/${p}`, `${i}-a\n${i}-b\n`));
    const r = await readAll({ url: server.url('/'), path: paths }, { advice: 3 });
    expect(r.splits).toBe(20);
    expect(r.rows.map((x) => x[0])).toEqual(paths.flatMap((_, i) => [`${i}-a`, `${i}-b`]));
  });
});

describe('csv format', () => {
  it('honours quotes, embedded delimiters, doubled quotes and line breaks', async () => {
    const csv = 'id,name,note\r\n1,"Smith, J","said ""hi"""\r\n2,plain,"two\nlines"\n\n3,,"" \n';
    const r = await readAll({ url: serve('/q.csv', csv.replace('"" \n', '""\n')), format: 'csv', skipHeader: true, columns: [{ index: 0 }, { index: 1 }, { index: 2 }] });
    expect(r.rows).toEqual([
      ['1', 'Smith, J', 'said "hi"'],
      ['2', 'plain', 'two\nlines'],
      ['3', '', ''],
    ]);
    expect(r.dirty).toEqual([]);
  });

  it('keeps a quoted record whole across network chunks', async () => {
    const big = 'x'.repeat(100_000);
    const csv = `a,"${big}\n${big}",b\nc,d,e\n`;
    const r = await readAll({ url: serve('/big.csv', csv), format: 'csv', columns: [{ index: 0 }, { index: 1 }, { index: 2 }] });
    expect(r.rows).toEqual([
      ['a', `${big}\n${big}`, 'b'],
      ['c', 'd', 'e'],
    ]);
  });

  it('makes short CSV records and junk after a closing quote dirty', async () => {
    const r = await readAll({ url: serve('/bad.csv', 'a,b\nc\n"d"x,e\nf,g\n'), format: 'csv', fieldDelimiter: ',', columns: [{ index: 0 }, { index: 1 }] });
    expect(r.rows).toEqual([
      ['a', 'b'],
      ['f', 'g'],
    ]);
    expect(r.dirty.map((d) => d.reason)).toEqual(['expected at least 2 fields, found 1', 'unexpected character after a closing quote']);
  });

  it('reads semicolon-separated CSV', async () => {
    const r = await readAll({ url: serve('/semi.csv', 'a;"b;c"\n'), format: 'csv', fieldDelimiter: ';', columns: [{ index: 0 }, { index: 1 }] });
    expect(r.rows).toEqual([['a', 'b;c']]);
  });
});

describe('compression and encodings', () => {
  const text = Array.from({ length: 5000 }, (_, i) => `line ${i} ✓ ${'z'.repeat(i % 50)}`).join('\n') + '\n';

  it('reads gzip files', async () => {
    const r = await readAll({ url: serve('/t.gz', gzipSync(text)), compress: 'gzip' });
    expect(r.rows.map((x) => x[0])).toEqual(linesOf(text));
  });

  it('reads deflate files', async () => {
    const r = await readAll({ url: serve('/t.z', deflateSync(text)), compress: 'deflate' });
    expect(r.rows.map((x) => x[0])).toEqual(linesOf(text));
  });

  it('fails on a truncated gzip stream, naming the URL', async () => {
    const gz = gzipSync(text);
    const url = serve('/trunc.gz', gz.subarray(0, gz.length - 100));
    const err = await readAll({ url, compress: 'gzip' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('FERRY_ERR_SOURCE');
    expect((err as FerryError).message).toContain(url);
    expect((err as FerryError).message).toMatch(/gzip data of .* is truncated or corrupt/);
  });

  it('decodes GBK text', async () => {
    // 中文,你好 in GBK, then an ASCII line
    const gbk = Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0x2c, 0xc4, 0xe3, 0xba, 0xc3, 0x0a, 0x61, 0x2c, 0x62, 0x0a]);
    const r = await readAll({ url: serve('/gbk.txt', gbk), encoding: 'gbk', columns: [{ index: 1 }, { index: 0 }] });
    expect(r.rows).toEqual([
      ['你好', '中文'],
      ['b', 'a'],
    ]);
    expect(r.counters.invalidChars).toBeUndefined();
  });

  it('replaces bytes invalid in GBK with U+FFFD and counts them', async () => {
    const bad = Buffer.from([0xd6, 0xd0, 0x81, 0x0a, 0x61, 0x0a]); // 0x81: a lead byte with no trail
    const r = await readAll({ url: serve('/gbk-bad.txt', bad), encoding: 'gbk' });
    expect(r.rows).toEqual([['中\uFFFD'], ['a']]);
    expect(r.counters.invalidChars).toBe(1);
  });

  it('replaces invalid UTF-8 with U+FFFD and counts them, leaving real U+FFFD alone', async () => {
    const data = Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(' \uFFFD\nfine\n')]);
    const r = await readAll({ url: serve('/bad-utf8.txt', data) });
    expect(r.rows.map((x) => x[0])).toEqual(['ok', 'bad \uFFFD(\uFFFD \uFFFD', 'fine']);
    expect(r.counters.invalidChars).toBe(2);
  });

  it('makes lines with invalid bytes dirty when invalidChars is "dirty"', async () => {
    const data = Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xff]), Buffer.from('\nfine\n')]);
    const r = await readAll({ url: serve('/bad-utf8-dirty.txt', data), invalidChars: 'dirty' });
    expect(r.rows.map((x) => x[0])).toEqual(['ok', 'fine']);
    expect(r.dirty).toEqual([{ row: 'bad \uFFFD', reason: 'bytes invalid in utf-8' }]);
  });
});

describe('config', () => {
  it('names the path of a bad column index', async () => {
    const err = await readAll({ url: 'http://127.0.0.1:1/x', columns: [{ index: -1 }] }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('reader.columns[0].index: expected a non-negative integer, got -1');
  });

  it('rejects non-HTTP URLs, line breaks in delimiters and unknown encodings', async () => {
    await expect(readAll({ url: 'ftp://x/y' })).rejects.toThrow('reader.url: expected an http(s) URL, got "ftp://x/y"');
    await expect(readAll({ url: 'http://x/y', fieldDelimiter: '\n' })).rejects.toThrow('reader.fieldDelimiter: must not contain a line break');
    await expect(readAll({ url: 'http://x/y', encoding: 'klingon' })).rejects.toThrow('reader.encoding: unknown encoding "klingon"');
    await expect(readAll({ url: 'http://x/y', compress: 'rar' })).rejects.toThrow('reader.compress: expected one of "none", "gzip", "deflate", got "rar"');
  });
});
