/**
 * The tutorial's log sync end to end: an nginx access log (user_log.txt)
 * served over HTTP -> `ferry run` with the httpfile reader -> table
 * ods_raw_log_d partition dt=20240620, each whole line in the STRING column
 * `col`; then count and export through the CLI.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sendRange, tempDir } from './helpers.js';

/** nginx "combined" lines: quotes, brackets, backslashes, non-ASCII user agents, an empty-referer dash. */
function accessLog(lines: number): string {
  const agents = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) 微信/8.0.49 "quoted\\agent"',
    'curl/8.5.0',
  ];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const ip = `10.${i % 251}.${(i * 7) % 253}.${(i * 13) % 254}`;
    const ts = `20/Jun/2024:${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')} +0800`;
    out.push(
      `${ip} - - [${ts}] "GET /item/${i}?from=é&q=${i % 97} HTTP/1.1" ${i % 50 === 0 ? 404 : 200} ${1000 + (i % 9000)} "${i % 3 ? 'https://example.com/' : '-'}" "${agents[i % agents.length]}" [unknown_content];`,
    );
  }
  return out.join('\n') + '\n';
}

const LOG = accessLog(40_000);
const LINES = LOG.slice(0, -1).split('\n');

let server: Server;
let url: string;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('ferry-tutorial-http-'));
  const body = Buffer.from(LOG, 'utf8');
  server = createServer((req, res) => {
    if (req.url === '/latin1.txt') {
      // Two lines with a byte that is not UTF-8 (0xE9, é in Latin-1).
      res.writeHead(200).end(Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('\nna'), Buffer.from([0xef]), Buffer.from('ve\nok\n')]));
      return;
    }
    if (req.url === '/with-junk.txt') {
      res.writeHead(200).end(LOG + 'short line\n1.2.3.4 - - [x +0800] "GET / HTTP/1.1" oops 1\n');
      return;
    }
    if (req.url !== '/user_log.txt') {
      res.writeHead(404).end();
      return;
    }
    sendRange(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/user_log.txt`;
  const ddl = await runCli(['table', 'create', '--store', dir, '--sql', 'CREATE TABLE IF NOT EXISTS ods_raw_log_d (col STRING) PARTITIONED BY (dt STRING) LIFECYCLE 7;']);
  expect(ddl.code, ddl.stderr).toBe(0);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  cleanup();
});

async function syncAndExport(channel: number, extraReader: object = {}): Promise<{ result: Record<string, unknown>; count: string; cols: string[] }> {
  const job = join(dir, `job-${channel}.json`);
  writeFileSync(
    job,
    JSON.stringify({
      reader: { plugin: 'httpfile', url, ...extraReader },
      writer: { plugin: 'table', table: 'ods_raw_log_d', partition: 'dt=${bizdate}' },
      setting: { channel },
    }),
  );
  const run = await runCli(['run', job, '--bizdate', '20240620', '--json', '--store', dir]);
  expect(run.code, run.stderr + run.stdout).toBe(0);
  const result = JSON.parse(run.stdout) as Record<string, unknown>;
  const count = await runCli(['table', 'count', 'ods_raw_log_d', '--partition', 'dt=20240620', '--store', dir]);
  expect(count.code, count.stderr).toBe(0);
  // Exported to a file: runCli's stdout is joined chunk by chunk, which can cut a multi-byte character.
  const file = join(dir, `export-${channel}.jsonl`);
  const exported = await runCli(['table', 'export', 'ods_raw_log_d', '--partition', 'dt=20240620', '--format', 'jsonl', '--store', dir, '-o', file]);
  expect(exported.code, exported.stderr).toBe(0);
  const cols = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { col: string }).col);
  return { result, count: count.stdout.trim(), cols };
}

describe('tutorial: user_log.txt over HTTP -> ods_raw_log_d', () => {
  it('lands every line of the access log in col of partition dt=20240620, byte for byte', async () => {
    const { result, count, cols } = await syncAndExport(1);
    expect(result.status).toBe('succeeded');
    expect(result.recordsWritten).toBe(LINES.length);
    expect(result.dirtyRecords).toBe(0);
    expect(count).toContain(String(LINES.length));
    expect(cols).toEqual(LINES);
  });

  it('gives the same lines when the log is read as byte ranges by 2 channels', async () => {
    const { result, cols } = await syncAndExport(2, { splitSize: 256 * 1024 });
    expect(result.status).toBe('succeeded');
    expect(result.splits).toBeGreaterThan(2);
    expect(result.recordsWritten).toBe(LINES.length);
    expect([...cols].sort()).toEqual([...LINES].sort());
  });

  it('sets aside short lines and bad numbers as dirty records and stays within errorLimit', async () => {
    const ddl = await runCli(['table', 'create', '--store', dir, '--sql', 'CREATE TABLE IF NOT EXISTS ods_hits (ip STRING, status BIGINT) PARTITIONED BY (dt STRING);']);
    expect(ddl.code, ddl.stderr).toBe(0);
    const job = join(dir, 'job-dirty.json');
    // Field 0 is the IP, field 8 the status (split on spaces); the appended lines are short or have a bad status.
    writeFileSync(
      job,
      JSON.stringify({
        reader: { plugin: 'httpfile', url: url.replace('user_log.txt', 'with-junk.txt'), fieldDelimiter: ' ', columns: [{ index: 0 }, { index: 8, type: 'long' }] },
        writer: { plugin: 'table', table: 'ods_hits', partition: 'dt=${bizdate}' },
        setting: { channel: 1, errorLimit: { records: 10 } },
      }),
    );
    const run = await runCli(['run', job, '--bizdate', '20240620', '--json', '--store', dir]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const result = JSON.parse(run.stdout) as { recordsWritten: number; dirtyRecords: number; dirtyFile: string };
    expect(result.recordsWritten).toBe(LINES.length);
    expect(result.dirtyRecords).toBe(2);
    const dirty = readFileSync(result.dirtyFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; record: unknown });
    expect(dirty[0]).toMatchObject({ reason: 'expected at least 9 fields, found 2', record: 'short line' });
    expect(dirty[1]!.reason).toContain('oops');
  });

  it('counts bytes that are not UTF-8 in the run summary and stores U+FFFD in their place', async () => {
    const job = join(dir, 'job-latin1.json');
    writeFileSync(
      job,
      JSON.stringify({
        reader: { plugin: 'httpfile', url: url.replace('user_log.txt', 'latin1.txt') },
        writer: { plugin: 'table', table: 'ods_raw_log_d', partition: 'dt=20240621' },
      }),
    );
    const run = await runCli(['run', job, '--json', '--store', dir]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const result = JSON.parse(run.stdout) as { recordsWritten: number; counters: Record<string, number> };
    expect(result.recordsWritten).toBe(3);
    expect(result.counters.invalidChars).toBe(2);
    const file = join(dir, 'export-latin1.jsonl');
    await runCli(['table', 'export', 'ods_raw_log_d', '--partition', 'dt=20240621', '--store', dir, '-o', file]);
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { col: string }).col),
    ).toEqual(['caf\uFFFD', 'na\uFFFDve', 'ok']);
  });
});
