/**
 * readTimeout measures the server's silence, not the writer's: a body the
 * reader holds back (backpressure) or one that has arrived whole and waits in
 * the buffer must not time out, while a server that goes quiet still does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { validate } from '@ferry/core';
import plugin from '@ferry/reader-httpfile';
import { linesOf, startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const text = Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
const data = Buffer.from(text);

/** Reads one URL as one split, the writer busy for `busyMs` after the first batch. */
async function readSlowly(url: string, readTimeout: number, busyMs: number, batchBytes = 16 * 1024): Promise<{ rows: string[]; retries: number }> {
  const config = validate(plugin.config, { url, readTimeout, retries: 0, batchBytes }, 'reader');
  const log = { info: () => {}, warn: () => {}, debug: () => {} };
  const signal = new AbortController().signal;
  const jobCtx = { log, signal, params: {}, settings: {}, baseDir: '.', runDir: '.' };
  const schema = await plugin.schema(config, jobCtx);
  const [split] = await plugin.split(config, { ...jobCtx, advice: 1 });
  let retries = 0;
  const ctx = {
    log,
    signal,
    splitIndex: 0,
    settings: {},
    config,
    schema,
    count: (k: string, n: number) => {
      if (k === 'httpRetries') retries += n;
    },
  };
  const rows: string[] = [];
  let first = true;
  for await (const batch of plugin.read(split!, ctx as never)) {
    for (let r = 0; r < batch.numRows; r++) rows.push(batch.getChildAt(0)!.get(r) as string);
    if (first) await sleep(busyMs);
    first = false;
  }
  return { rows, retries };
}

/** Serves `data` at `path`, reads it with the writer busy `busyMs`: every line, no retry, one GET (besides the probe). */
async function expectReadWholeInOneGet(path: string, readTimeout: number, busyMs: number): Promise<void> {
  server.files.set(path, { data });
  server.requests.length = 0;
  const r = await readSlowly(server.url(path), readTimeout, busyMs);
  expect(r.rows).toEqual(linesOf(text));
  expect(r.retries).toBe(0);
  expect(server.requests.filter((q) => q.path === path && q.range !== 'bytes=0-0')).toHaveLength(1);
}

describe('readTimeout and a slow writer', () => {
  it('does not count the time the writer holds the body back (backpressure) as server silence', async () => {
    await expectReadWholeInOneGet('/big.txt', 300, 900);
  });

  it('does not time out a body that has fully arrived while the writer is busy', async () => {
    // 20 KB, then the last 8 KB in two pieces that wait, whole, in the response's buffer while the writer is busy.
    const body = Buffer.from(Array.from({ length: 4000 }, (_, i) => `l${String(i).padStart(5, '0')}`).join('\n') + '\n');
    const own = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 20_000));
      setTimeout(() => res.write(body.subarray(20_000, 24_000)), 50);
      setTimeout(() => res.end(body.subarray(24_000)), 100);
    });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    try {
      const r = await readSlowly(`http://127.0.0.1:${(own.address() as AddressInfo).port}/f.txt`, 300, 900, 1024);
      expect(r.rows).toEqual(linesOf(body.toString()));
      expect(r.retries).toBe(0);
    } finally {
      own.closeAllConnections();
      await new Promise((resolve) => own.close(resolve));
    }
  });

  it('keeps a body the writer holds back longer than the pool closes idle sockets (4 s)', async () => {
    await expectReadWholeInOneGet('/big5.txt', 60_000, 5_000);
  }, 20_000);

  it('still fails when the server goes silent after the writer held the body back', async () => {
    server.files.set('/stall-late.txt', { data, stall: { bytes: 400_000 } });
    const url = server.url('/stall-late.txt');
    await expect(readSlowly(url, 300, 900)).rejects.toThrow(`no data from ${url} for 300 ms (readTimeout)`);
  });
});
