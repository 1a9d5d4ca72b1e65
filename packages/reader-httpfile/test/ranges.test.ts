import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linesOf, readAll, readSplits, startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

/** Lines of varied lengths with multi-byte characters (2, 3 and 4 bytes), CRLF and empty lines. */
function makeText(lines: number, seed = 1): string {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x;
  };
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    const len = rnd() % 40;
    let s = `${i}:`;
    for (let j = 0; j < len; j++) s += ['a', 'é', '中', '🚀', ' '][rnd() % 5];
    parts.push(s + (i % 7 === 3 ? '\r' : ''));
    if (i % 11 === 5) parts.push('');
  }
  return parts.join('\n') + '\n';
}

describe('Range splits', () => {
  it('gives exactly the file lines for every cut point of two ranges (on newlines, inside multi-byte characters)', async () => {
    const text = makeText(12);
    const data = Buffer.from(text, 'utf8');
    server.files.set('/cuts.txt', { data });
    const url = server.url('/cuts.txt');
    const expected = linesOf(text);
    let onNewline = 0;
    let insideChar = 0;
    for (let c = 0; c <= data.length; c++) {
      if (data[c - 1] === 10) onNewline++;
      if (c < data.length && (data[c]! & 0xc0) === 0x80) insideChar++;
      const got = await readSplits({ url }, [
        { url, start: 0, end: c },
        { url, start: c, end: -1 },
      ]);
      expect(got, `cut at byte ${c}`).toEqual(expected);
    }
    expect(onNewline).toBeGreaterThan(5);
    expect(insideChar).toBeGreaterThan(20);
  });

  it('gives exactly the file lines with three ranges at many cut pairs', async () => {
    const text = makeText(8, 7);
    const data = Buffer.from(text, 'utf8');
    server.files.set('/cuts3.txt', { data });
    const url = server.url('/cuts3.txt');
    const expected = linesOf(text);
    for (let a = 0; a <= data.length; a += 7) {
      for (let b = a; b <= data.length; b += 5) {
        const got = await readSplits({ url }, [
          { url, start: 0, end: a },
          { url, start: a, end: b },
          { url, start: b, end: -1 },
        ]);
        expect(got, `cuts at ${a}, ${b}`).toEqual(expected);
      }
    }
  });

  it('plans splits for 1 to 8 channels that together give every line once', async () => {
    const text = makeText(20_000, 3);
    const data = Buffer.from(text, 'utf8');
    server.files.set('/big.txt', { data });
    const expected = linesOf(text);
    for (let advice = 1; advice <= 8; advice++) {
      const r = await readAll({ url: server.url('/big.txt'), splitSize: 20_000 }, { advice });
      if (advice === 1) expect(r.splits).toBe(1);
      else expect(r.splits).toBeGreaterThanOrEqual(advice);
      expect(
        r.rows.map((x) => x[0]),
        `advice ${advice}`,
      ).toEqual(expected);
    }
  });

  it('skips the header only in the split that starts the file', async () => {
    const text = 'header\n' + Array.from({ length: 3000 }, (_, i) => `row ${i}`).join('\n') + '\n';
    server.files.set('/hdr.txt', { data: Buffer.from(text) });
    const r = await readAll({ url: server.url('/hdr.txt'), splitSize: 2000, skipHeader: true }, { advice: 4 });
    expect(r.splits).toBeGreaterThan(4);
    expect(r.rows.map((x) => x[0])).toEqual(linesOf(text).slice(1));
  });

  it('does not split when the server ignores Range, CSV, or compressed files', async () => {
    const data = Buffer.from(makeText(3000, 5));
    server.files.set('/norange.txt', { data, ranges: false });
    server.files.set('/ok.txt', { data });
    expect((await readAll({ url: server.url('/norange.txt'), splitSize: 1000 }, { advice: 4 })).splits).toBe(1);
    expect((await readAll({ url: server.url('/ok.txt'), splitSize: 1000, format: 'csv', columns: [{ index: 0 }] }, { advice: 4 })).splits).toBe(1);
    const r = await readAll({ url: server.url('/norange.txt'), splitSize: 1000 }, { advice: 4 });
    expect(r.rows.map((x) => x[0])).toEqual(linesOf(data.toString()));
  });

  it('aligns ranges when lines arrive in many small network chunks', async () => {
    const text = makeText(6, 11);
    const data = Buffer.from(text, 'utf8');
    server.files.set('/trickle.txt', { data, trickle: 5 });
    const url = server.url('/trickle.txt');
    for (let c = 0; c <= data.length; c += 9) {
      const got = await readSplits({ url }, [
        { url, start: 0, end: c },
        { url, start: c, end: -1 },
      ]);
      expect(got, `cut at byte ${c}`).toEqual(linesOf(text));
    }
  });

  it('reads the last line of a file without a final newline in the last range', async () => {
    const text = 'a\nbb\nccc';
    server.files.set('/nofinal.txt', { data: Buffer.from(text) });
    const url = server.url('/nofinal.txt');
    for (let c = 0; c <= text.length; c++) {
      expect(
        await readSplits({ url }, [
          { url, start: 0, end: c },
          { url, start: c, end: -1 },
        ]),
      ).toEqual(['a', 'bb', 'ccc']);
    }
  });
});
