/**
 * httpfile incremental reads of a growing log file through the real `ferry
 * run`, a real HTTP server and a real store: lines appended between runs
 * arrive exactly once (a line still being written waits for the next run),
 * and a replaced file (smaller, or other bytes before the saved offset)
 * fails the run naming it, without mixing its lines in.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTable, listPartitions, listStates, openStore } from '@ferry/writer-table';
import { exportJsonl, runCli, tempDir } from './helpers.js';

let server: Server;
let port: number;
/** The log file as the server has it now; every change gets a new ETag. */
let log = Buffer.alloc(0);
let version = 0;
const ranges: string[] = [];
/** Requests for the whole file (no Range). */
let whole = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (!req.url?.startsWith('/app.log')) return void res.writeHead(404).end();
    const etag = `"v${version}-${log.length}"`;
    const m = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (!m) whole++;
    if (!m) return void res.writeHead(200, { 'content-length': log.length, etag, 'accept-ranges': 'bytes' }).end(log);
    ranges.push(String(req.headers.range));
    const start = Number(m[1]);
    if (start >= log.length) return void res.writeHead(416, { 'content-range': `bytes */${log.length}` }).end();
    const end = m[2] ? Math.min(Number(m[2]), log.length - 1) : log.length - 1;
    res.writeHead(206, {
      'content-range': `bytes ${start}-${end}/${log.length}`,
      'content-length': end - start + 1,
      etag,
      'last-modified': new Date(1_700_000_000_000 + version * 1000).toUTCString(),
    });
    res.end(log.subarray(start, end + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let dir: string;
let cleanup: () => void;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir('ferry-incr-http-'));
  const store = openStore(join(dir, 'store'));
  await createTable(store, 'default', 'CREATE TABLE app_log (line STRING) PARTITIONED BY (dt STRING)');
  await store.close();
  log = Buffer.alloc(0);
  version = 0;
});
afterEach(() => cleanup());

const append = (text: string) => {
  log = Buffer.concat([log, Buffer.from(text)]);
  version++;
};

function writeJob(): string {
  const path = join(dir, 'log.json');
  writeFileSync(
    path,
    JSON.stringify({
      reader: { plugin: 'httpfile', url: `http://127.0.0.1:${port}/app.log?token=tok-12345678`, incremental: true },
      writer: { plugin: 'table', table: 'app_log', partition: 'dt=${bizdate}' },
    }),
  );
  return path;
}

async function run(job: string, bizdate: string, extra: string[] = [], code = 0) {
  const res = await runCli(['run', job, '--bizdate', bizdate, '--json', '--store', join(dir, 'store'), ...extra]);
  expect(res.code, res.stderr + res.stdout).toBe(code);
  return JSON.parse(res.stdout);
}

/** Every line in the table, partition by partition in date order. */
async function allLines(): Promise<string[]> {
  const store = openStore(join(dir, 'store'));
  try {
    const out: string[] = [];
    for (const p of listPartitions(store, 'default', 'app_log').sort((a, b) => a.spec.localeCompare(b.spec))) {
      const { bytes } = await exportJsonl(store, 'app_log', p.spec);
      for (const l of bytes.toString('utf8').split('\n').filter(Boolean)) out.push((JSON.parse(l) as { line: string }).line);
    }
    return out;
  } finally {
    await store.close();
  }
}

describe('httpfile incremental', () => {
  it('appended lines arrive exactly once; a line still being written waits for the next run', async () => {
    const job = writeJob();
    append('l1\nl2\nl3\nl4 is be');
    const r1 = await run(job, '20240601');
    expect(r1.recordsRead).toBe(3);
    expect(r1.incremental).toMatchObject({ saved: true, range: 'app.log bytes 0-9' });
    expect(r1.incremental.reader).toBe(`httpfile:http://127.0.0.1:${port}/app.log`);

    append('ing written\nl5\n');
    ranges.length = 0;
    whole = 0;
    const r2 = await run(job, '20240602');
    expect(r2.recordsRead).toBe(2);
    expect(r2.incremental.range).toBe(`app.log bytes 9-${log.length}`);
    // Read from the saved offset, not from the start.
    expect(ranges.some((r) => r.startsWith('bytes=8-'))).toBe(true);
    expect(ranges).not.toContain('bytes=0-');
    expect(whole).toBe(0);

    const r3 = await run(job, '20240603');
    expect(r3.recordsRead).toBe(0);
    expect(r3.incremental.range).toContain('nothing new');

    for (let i = 6; i <= 300; i++) append(`l${i} ${'x'.repeat(i % 50)}\n`);
    const r4 = await run(job, '20240604');
    expect(r4.recordsRead).toBe(295);

    const expected = log.toString('utf8').split('\n').filter(Boolean);
    expect(await allLines()).toEqual(expected);
    // The saved state names no token of the URL.
    const store = openStore(join(dir, 'store'));
    try {
      expect(JSON.stringify(listStates(store, 'default'))).not.toContain('tok-12345678');
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a replaced file fails the run naming it and keeps the state; --full-refresh reads it from the start', async () => {
    const job = writeJob();
    append('a1\na2\na3\n');
    expect((await run(job, '20240601')).recordsRead).toBe(3);

    // Rotated: a new, smaller file.
    log = Buffer.from('b1\n');
    version++;
    const small = await run(job, '20240602', [], 1);
    expect(small.error.message).toContain(`http://127.0.0.1:${port}/app.log?token=***`);
    expect(small.error.message).toContain('was replaced since the last run (it is 3 bytes now, the last run read 9)');
    expect(small.error.message).toContain('--full-refresh');

    // Rewritten: bigger, but other bytes before the saved offset (and another ETag).
    log = Buffer.from('c1\nc2\nc3\nc4\n');
    version++;
    const other = await run(job, '20240602', [], 1);
    expect(other.error.message).toMatch(/was replaced since the last run \(the bytes before offset 9 differ, ETag "v\d+-9" -> "v\d+-12"\)/);
    expect(await allLines()).toEqual(['a1', 'a2', 'a3']);

    const full = await run(job, '20240602', ['--full-refresh']);
    expect(full.recordsRead).toBe(4);
    log = Buffer.concat([log, Buffer.from('c5\n')]);
    version++;
    expect((await run(job, '20240603')).recordsRead).toBe(1);
    expect(await allLines()).toEqual(['a1', 'a2', 'a3', 'c1', 'c2', 'c3', 'c4', 'c5']);
  }, 120_000);
});
