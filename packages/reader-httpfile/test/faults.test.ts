import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { FerryError, validate } from '@ferry/core';
import plugin from '@ferry/reader-httpfile';
import { linesOf, readAll, startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const text = Array.from({ length: 20_000 }, (_, i) => `${i} GET /index.html?q=${'é'.repeat(i % 9)} 200`).join('\n') + '\n';
const data = Buffer.from(text, 'utf8');
const lines = linesOf(text);

async function failure(p: Promise<unknown>): Promise<FerryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  return err as FerryError;
}

describe('faults', () => {
  it('resumes a body cut in the middle with a Range request from the last complete line', async () => {
    server.files.set('/cut.txt', { data, cut: { bytes: 123_457, times: 2 } });
    server.requests.length = 0;
    const r = await readAll({ url: server.url('/cut.txt'), retryBackoff: 10 });
    expect(r.rows.map((x) => x[0])).toEqual(lines);
    expect(r.counters.httpRetries).toBe(2);
    const ranges = server.requests.filter((q) => q.path === '/cut.txt' && q.range && q.range !== 'bytes=0-0').map((q) => q.range!);
    expect(ranges).toHaveLength(2);
    // Each resume starts right after a newline.
    for (const range of ranges) expect(data[Number(/bytes=(\d+)-/.exec(range)![1]) - 1]).toBe(10);
  });

  it('resumes a cut body by re-reading and skipping when the server ignores Range', async () => {
    server.files.set('/cut-norange.txt', { data, ranges: false, cut: { bytes: 200_001, times: 1 } });
    const r = await readAll({ url: server.url('/cut-norange.txt'), retryBackoff: 10 });
    expect(r.rows.map((x) => x[0])).toEqual(lines);
  });

  it('resumes a cut gzip body by decompressing again and skipping what was read', async () => {
    const gz = gzipSync(data);
    server.files.set('/cut.gz', { data: gz, cut: { bytes: Math.floor(gz.length / 2), times: 1 } });
    const r = await readAll({ url: server.url('/cut.gz'), compress: 'gzip', retryBackoff: 10 });
    expect(r.rows.map((x) => x[0])).toEqual(lines);
  });

  it('fails after the configured retries when the body keeps being cut', async () => {
    server.files.set('/cut-always.txt', { data, cut: { bytes: 1000, times: 100 } });
    server.requests.length = 0;
    const url = server.url('/cut-always.txt');
    const err = await failure(readAll({ url, retries: 2, retryBackoff: 5 }));
    expect(err.code).toBe('FERRY_ERR_SOURCE');
    expect(err.message).toContain(url);
    expect(err.message).toContain('after 2 retries');
    expect(server.requests.filter((q) => q.path === '/cut-always.txt' && q.range !== 'bytes=0-0')).toHaveLength(3);
  });

  it('fails on HTTP 404 and 500 naming the status and the URL', async () => {
    const missing = server.url('/missing.txt');
    const e404 = await failure(readAll({ url: missing }));
    expect(e404.code).toBe('FERRY_ERR_SOURCE');
    expect(e404.message).toBe(`HTTP 404 Not Found for ${missing}`);
    server.files.set('/boom.txt', { data, status: 500 });
    const boom = server.url('/boom.txt');
    expect((await failure(readAll({ url: boom }))).message).toBe(`HTTP 500 Internal Server Error for ${boom}`);
    // Also when the split is planned first (probe) or with format csv (no probe).
    expect((await failure(readAll({ url: boom, format: 'csv' }))).message).toBe(`HTTP 500 Internal Server Error for ${boom}`);
    expect((await failure(readAll({ url: boom }, { advice: 2 }))).message).toBe(`HTTP 500 Internal Server Error for ${boom}`);
  });

  it('fails with the read timeout when the body stalls', async () => {
    server.files.set('/stall.txt', { data, stall: { bytes: 5000 } });
    const url = server.url('/stall.txt');
    const err = await failure(readAll({ url, readTimeout: 300, retries: 1, retryBackoff: 5 }));
    expect(err.code).toBe('FERRY_ERR_SOURCE');
    expect(err.message).toBe(`no data from ${url} for 300 ms (readTimeout) (after 1 retries)`);
  });

  it('fails with the read timeout when no response comes', async () => {
    server.files.set('/silent.txt', { data, silent: true });
    const url = server.url('/silent.txt');
    const err = await failure(readAll({ url, readTimeout: 300, retries: 0, format: 'csv' }));
    expect(err.message).toBe(`no data from ${url} for 300 ms (readTimeout)`);
  });

  it('fails clearly when nothing listens', async () => {
    const url = 'http://127.0.0.1:1/x.txt';
    const err = await failure(readAll({ url, retries: 0, format: 'csv' }));
    expect(err.message).toBe(`cannot connect to ${url}: connection refused`);
  });

  it('makes a line longer than maxLineBytes a dirty record without keeping it whole', async () => {
    const long1 = 'x'.repeat(5_000);
    const long2 = 'y'.repeat(3_000_000);
    const t = `a\n${long1}\nb\n${long2}\nc\n${long2}`;
    server.files.set('/long.txt', { data: Buffer.from(t) });
    const r = await readAll({ url: server.url('/long.txt'), maxLineBytes: 4_000 });
    expect(r.rows.map((x) => x[0])).toEqual(['a', 'b', 'c']);
    expect(r.dirty.map((d) => d.reason)).toEqual([
      'line of 5000 bytes is longer than maxLineBytes (4000)',
      'line of 3000000 bytes is longer than maxLineBytes (4000)',
      'line of 3000000 bytes is longer than maxLineBytes (4000)',
    ]);
    expect(String(r.dirty[1]!.row).startsWith('yyyy')).toBe(true);
    expect(String(r.dirty[1]!.row).length).toBeLessThan(300);
  });

  it('a long line crossing a range boundary is reported once', async () => {
    const long = 'z'.repeat(50_000);
    const t = `${'a\n'.repeat(20_000)}${long}\n${'b\n'.repeat(20_000)}`;
    server.files.set('/long-ranges.txt', { data: Buffer.from(t) });
    const r = await readAll({ url: server.url('/long-ranges.txt'), maxLineBytes: 10_000, splitSize: 10_000 }, { advice: 4 });
    expect(r.splits).toBeGreaterThan(4);
    expect(r.rows).toHaveLength(40_000);
    expect(r.dirty).toHaveLength(1);
  });

  it('stops reading when the signal is aborted', async () => {
    server.files.set('/stall2.txt', { data, stall: { bytes: 5000 } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    // With a read timeout longer than the test's, only the abort can end this read.
    const err = await failure(readAll({ url: server.url('/stall2.txt'), readTimeout: 600_000 }, { signal: ac.signal }));
    expect(err.code).toBe('FERRY_ERR_ABORTED');
  });
});

describe('check', () => {
  const log = { info: () => {}, warn: () => {}, debug: () => {} };
  const ctx = { log, signal: new AbortController().signal, params: {}, settings: {}, baseDir: '.', runDir: '.' };

  it('reports status, size and Range support of a reachable file', async () => {
    server.files.set('/check.txt', { data });
    const report = await plugin.check!(validate(plugin.config, { url: server.url('/check.txt') }, 'reader'), ctx);
    expect(report.ok).toBe(true);
    expect(report.details).toMatchObject({ status: 206, size: data.length, acceptsRanges: true });
    expect(report.message).toContain('Range supported');
  });

  it('reports a missing file as not ok, naming the URL', async () => {
    server.files.set('/check.txt', { data, ranges: false });
    const url = server.url('/nope.txt');
    const report = await plugin.check!(validate(plugin.config, { url: [server.url('/check.txt'), url] }, 'reader'), ctx);
    expect(report.ok).toBe(false);
    expect(report.message).toBe(`HTTP 404 Not Found for ${url}`);
    expect(report.details).toMatchObject({ 'url[0].status': 200, 'url[0].acceptsRanges': false, 'url[0].size': data.length });
  });
});
