/**
 * The direct read (raw-get.ts): a plain 200/206 over http: is read off the
 * socket into a few reused buffers, not through node:http. Its GETs are the
 * ones with `Connection: close` (node:http's agent keeps connections alive),
 * which is how these tests tell the two paths apart.
 */
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HttpSettings } from '../src/http.js';
import { rawGet } from '../src/raw-get.js';
import { linesOf, readAll, startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

// ~3 MB: lines of 0 to ~400 bytes, multi-byte UTF-8 among them, so lines straddle every read and buffer.
const text = Array.from({ length: 30_000 }, (_, i) => `${i} ${'é😀x'.repeat(i % 37)}${'-'.repeat((i * 7919) % 250)}`).join('\n') + '\n';
const data = Buffer.from(text);

function dataReads(path: string) {
  return server.requests.filter((q) => q.path === path && q.range !== 'bytes=0-0');
}

it('reads plain bodies off the socket, every line as sent, one GET per split', async () => {
  // ~21 MB: a few splits (a split is at least 8 MiB).
  const big = Buffer.concat(Array.from({ length: 7 }, () => data));
  server.files.set('/plain.txt', { data: big });
  server.requests.length = 0;
  const r = await readAll({ url: server.url('/plain.txt'), batchBytes: 64 * 1024 }, { advice: 3 });
  expect(r.rows.map((row) => row[0])).toEqual(linesOf(big.toString()));
  expect(r.splits).toBeGreaterThan(1);
  expect(dataReads('/plain.txt')).toHaveLength(r.splits);
  expect(dataReads('/plain.txt').every((q) => q.connection === 'close')).toBe(true);
});

it('reads a body that arrives in small pieces (many reads per region)', async () => {
  const part = data.subarray(0, data.lastIndexOf(10, 200_000) + 1);
  server.files.set('/trickle.txt', { data: part, trickle: 1_000 });
  server.requests.length = 0;
  const r = await readAll({ url: server.url('/trickle.txt') });
  expect(r.rows.map((row) => row[0])).toEqual(linesOf(part.toString()));
  expect(dataReads('/trickle.txt').every((q) => q.connection === 'close')).toBe(true);
});

it('resumes a body cut mid-way with a Range request from the last whole line, on the direct path again', async () => {
  server.files.set('/cut.txt', { data, cut: { bytes: 700_000, times: 2 } });
  server.requests.length = 0;
  const r = await readAll({ url: server.url('/cut.txt'), retryBackoff: 1 });
  expect(r.rows.map((row) => row[0])).toEqual(linesOf(text));
  expect(r.counters.httpRetries).toBe(2);
  const reads = dataReads('/cut.txt');
  expect(reads).toHaveLength(3);
  expect(reads.slice(1).every((q) => q.range !== undefined && /^bytes=\d+-$/.test(q.range))).toBe(true);
  expect(reads.every((q) => q.connection === 'close')).toBe(true);
});

it('asks again through node:http when the answer is chunked, and reads it whole', async () => {
  server.files.set('/chunked.txt', { data, chunked: true });
  server.requests.length = 0;
  const r = await readAll({ url: server.url('/chunked.txt') });
  expect(r.rows.map((row) => row[0])).toEqual(linesOf(text));
  // The direct GET saw a body without Content-Length and stepped aside; node:http read it.
  expect(dataReads('/chunked.txt').map((q) => q.connection)).toEqual(['close', 'keep-alive']);
});

it('follows a redirect through node:http', async () => {
  server.files.set('/moved.txt', { data, redirect: '/plain2.txt' });
  server.files.set('/plain2.txt', { data });
  server.requests.length = 0;
  const r = await readAll({ url: server.url('/moved.txt') });
  expect(r.rows.map((row) => row[0])).toEqual(linesOf(text));
});

/**
 * A hand-written server: the n-th connection gets `answers[n]` in one write
 * once the request arrives (`end`: then closes it), whatever it asked.
 * `fn` gets a URL of it and the settings of a direct read.
 */
async function withRawServer(answers: string[], end: boolean, fn: (url: URL, settings: HttpSettings) => Promise<void>): Promise<void> {
  let n = 0;
  const raw = createNetServer((socket) => {
    socket.once('data', () => (end ? socket.end(answers[n++]!) : socket.write(answers[n++]!)));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  try {
    await fn(new URL(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/f`), { connectTimeout: 2000, readTimeout: 2000, headers: {} });
  } finally {
    await new Promise((resolve) => raw.close(resolve));
  }
}

it('ends an empty body at once, and ignores bytes past the Content-Length', async () => {
  // The head and extra bytes in one write, then the connection left open.
  const answers = ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\ntrailing junk', 'HTTP/1.1 206 Partial Content\r\nContent-Length: 6\r\n\r\nline1\nnot the body'];
  await withRawServer(answers, false, async (url, settings) => {
    for (const want of ['', 'line1\n']) {
      const res = await rawGet(url, {}, settings);
      const parts: Buffer[] = [];
      for await (const chunk of res!.body) parts.push(Buffer.from(chunk));
      expect(Buffer.concat(parts).toString()).toBe(want);
    }
  });
});

it('leaves an answer whose head it does not take (a folded header line) to node:http', async () => {
  await withRawServer(['HTTP/1.1 200 OK\r\nX-Note: one\r\n  two\r\nContent-Length: 6\r\n\r\nline1\n'], true, async (url, settings) => {
    expect(await rawGet(url, {}, settings)).toBeUndefined();
  });
});
