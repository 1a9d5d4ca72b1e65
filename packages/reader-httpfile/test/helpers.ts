/**
 * A real node:http file server for the tests (port 0) with the behaviours the
 * reader must cope with: Range, no Range, cut connections, stalls, statuses.
 * And `readAll`, which drives the plugin the way the engine does: validate,
 * schema, split, read every split.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RecordBatch, Schema } from 'apache-arrow';
import { validate } from '@ferry/core';
import plugin from '@ferry/reader-httpfile';

export interface FileSpec {
  data: Buffer;
  /** Honour Range headers (default true). */
  ranges?: boolean;
  /** Answer with this status and a short body instead. */
  status?: number;
  /** For the first `times` responses, send `bytes` bytes of the body then destroy the socket. */
  cut?: { bytes: number; times: number };
  /** Send `bytes` bytes (or just headers when 0) then stall forever. */
  stall?: { bytes: number };
  /** Answer 302 with this Location. */
  redirect?: string;
  /** Never answer at all (headers timeout). */
  silent?: boolean;
  /** Send without Content-Length (chunked). */
  chunked?: boolean;
  /** Write the body in pieces of this many bytes, one per timer tick, so the client sees small chunks. */
  trickle?: number;
}

export interface TestServer {
  url(path: string): string;
  files: Map<string, FileSpec>;
  /** Range, Authorization and Connection headers seen per path (undefined when not sent). */
  requests: { path: string; range?: string; authorization?: string; connection?: string }[];
  close(): Promise<void>;
}

function send(req: IncomingMessage, res: ServerResponse, spec: FileSpec, served: number): void {
  let body = spec.data;
  let status = 200;
  const size = spec.data.length;
  const range = spec.ranges === false ? undefined : req.headers.range;
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
  if (spec.ranges !== false) headers['accept-ranges'] = 'bytes';
  if (range) {
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    if (m) {
      const start = Number(m[1]);
      const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` });
        res.end();
        return;
      }
      body = spec.data.subarray(start, end + 1);
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
  }
  if (!spec.chunked) headers['content-length'] = body.length;
  if (req.method === 'HEAD') {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  if (spec.stall) {
    res.writeHead(status, headers);
    if (spec.stall.bytes > 0) res.write(body.subarray(0, spec.stall.bytes));
    return;
  }
  if (spec.cut && served < spec.cut.times) {
    res.writeHead(status, headers);
    res.write(body.subarray(0, spec.cut.bytes), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  res.writeHead(status, headers);
  if (spec.trickle) {
    const step = spec.trickle;
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i >= body.length) return void res.end();
      res.write(body.subarray(i, i + step));
      i += step;
      setTimeout(next, 0);
    };
    return next();
  }
  // Several writes, so the client sees several chunks.
  for (let i = 0; i < body.length; i += 16 * 1024) res.write(body.subarray(i, i + 16 * 1024));
  res.end();
}

export async function startServer(files: Record<string, FileSpec> = {}): Promise<TestServer> {
  const map = new Map(Object.entries(files));
  const requests: TestServer['requests'] = [];
  const served = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({
      path,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers.connection ? { connection: req.headers.connection } : {}),
    });
    const spec = map.get(path);
    if (!spec) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (spec.silent) return;
    if (spec.redirect) {
      res.writeHead(302, { location: spec.redirect });
      res.end();
      return;
    }
    if (spec.status) {
      res.writeHead(spec.status, { 'content-type': 'text/plain' });
      res.end('error');
      return;
    }
    const n = served.get(path) ?? 0;
    served.set(path, n + (req.headers.range === 'bytes=0-0' ? 0 : 1));
    send(req, res, spec, req.headers.range === 'bytes=0-0' ? Infinity : n);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    files: map,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ReadResult {
  schema: Schema;
  rows: (string | null)[][];
  dirty: { row: unknown; reason: string }[];
  counters: Record<string, number>;
  splits: number;
  batches: RecordBatch[];
}

/** Runs the plugin like the engine: validate, schema, split (advice), read every split in order. */
export async function readAll(raw: Record<string, unknown>, opts: { advice?: number; signal?: AbortSignal; noDirtyHook?: boolean } = {}): Promise<ReadResult> {
  const config = validate(plugin.config, raw, 'reader');
  const signal = opts.signal ?? new AbortController().signal;
  const log = { info: () => {}, warn: () => {}, debug: () => {} };
  const jobCtx = { log, signal, params: {}, settings: {}, baseDir: '.', runDir: '.' };
  const schema = await plugin.schema(config, jobCtx);
  const splits = await plugin.split(config, { ...jobCtx, advice: opts.advice ?? 1 });
  const rows: (string | null)[][] = [];
  const dirty: { row: unknown; reason: string }[] = [];
  const counters: Record<string, number> = {};
  const batches: RecordBatch[] = [];
  for (const [i, split] of splits.entries()) {
    const ctx = {
      log,
      signal,
      splitIndex: i,
      settings: {},
      config,
      schema,
      count: (name: string, n: number) => {
        counters[name] = (counters[name] ?? 0) + n;
      },
      ...(opts.noDirtyHook ? {} : { dirty: (row: unknown, reason: string) => dirty.push({ row, reason }) }),
    };
    for await (const batch of plugin.read(split, ctx as never)) {
      batches.push(batch);
      for (let r = 0; r < batch.numRows; r++) {
        const row: (string | null)[] = [];
        for (let c = 0; c < batch.numCols; c++) row.push((batch.getChildAt(c)!.get(r) as string | null) ?? null);
        rows.push(row);
      }
    }
  }
  return { schema, rows, dirty, counters, splits: splits.length, batches };
}

/** The lines of a text the way the reader frames them (`\n`, `\r\n`; no empty last line). */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Reads the given splits (not the planned ones) and returns the first column's values in order. */
export async function readSplits(raw: Record<string, unknown>, splits: { url: string; start: number; end: number }[]): Promise<(string | null)[]> {
  const config = validate(plugin.config, raw, 'reader');
  const signal = new AbortController().signal;
  const log = { info: () => {}, warn: () => {}, debug: () => {} };
  const schema = await plugin.schema(config, { log, signal, params: {}, settings: {}, baseDir: '.', runDir: '.' });
  const out: (string | null)[] = [];
  for (const [i, split] of splits.entries()) {
    const ctx = { log, signal, splitIndex: i, settings: {}, config, schema, count: () => {} };
    for await (const batch of plugin.read(split, ctx as never)) {
      const col = batch.getChildAt(0)!;
      for (let r = 0; r < batch.numRows; r++) out.push(col.get(r) as string | null);
    }
  }
  return out;
}
