/**
 * The coordinator's endpoint for one run: workers send progress and
 * results, and stream each finished staged file here, so no shared disk is
 * needed. Every request must carry the run's secret token; a file may only
 * land in the run's staging place (the write's partition folder, a name of
 * the write, the split and the attempt), fsynced before it is recorded.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCodes, FerryError, type Logger } from '@ferry/core';
import { ATTEMPT_RE, type ProgressReply, type ProgressReport, type ResultReply, type ResultReport } from './protocol.js';

/** Where staged files of the run may go: `<storeDir>/<dir>/<writeId>-<split>-<attempt>-<n>.parquet`. */
export interface StagingPlace {
  storeDir: string;
  /** The partition folder, relative to the store ('/'-separated). */
  dir: string;
  writeId: string;
}

export interface UploadServerOptions {
  runId: string;
  token: string;
  /** Address to listen on (default 127.0.0.1) and port (default any free one). */
  host?: string;
  port?: number;
  staging?: StagingPlace;
  /** Where dirty-record parts are kept until their attempt is taken. */
  dirtyDir: string;
  log: Logger;
  onProgress(report: ProgressReport): ProgressReply;
  onResult(report: ResultReport): Promise<ResultReply> | ResultReply;
  /** A file landed (fsynced) for an attempt. */
  onFile(splitIndex: number, attempt: string, path: string, bytes: number): void;
}

export interface UploadServer {
  /** http://host:port/runs/<runId> */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

const JSON_LIMIT = 16 * 1024 * 1024;

/** A random token for a run (256 bits). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function sameToken(given: string, expected: string): boolean {
  // Hash both: timingSafeEqual needs equal lengths, and the length must not leak either.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The store-relative path of a file an attempt may send, or undefined when it is outside the run's staging place. */
export function stagedPath(place: StagingPlace, splitIndex: number, attempt: string, path: string): string | undefined {
  const name = `${place.writeId}-${String(splitIndex).padStart(5, '0')}-${attempt}-`;
  if (!path.startsWith(`${place.dir}/${name}`)) return undefined;
  const rest = path.slice(place.dir.length + 1 + name.length);
  if (!/^\d{5}\.parquet$/.test(rest)) return undefined;
  // Belt and braces: the resolved file must sit directly in the partition folder.
  const abs = resolve(place.storeDir, ...path.split('/'));
  const folder = resolve(place.storeDir, ...place.dir.split('/'));
  if (dirname(abs) !== folder || relative(folder, abs).includes(sep)) return undefined;
  return path;
}

export async function startUploadServer(opts: UploadServerOptions): Promise<UploadServer> {
  const base = `/runs/${opts.runId}/`;
  mkdirSync(opts.dirtyDir, { recursive: true });
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) opts.log.warn(`workers endpoint: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`${(err as Error).message}\n`);
    });
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    const given = /^Bearer (\S+)$/.exec(auth)?.[1] ?? '';
    if (!sameToken(given, opts.token)) {
      req.resume();
      opts.log.warn(`workers endpoint: refused ${req.method} ${url.pathname} from ${req.socket.remoteAddress}: ${given ? 'wrong' : 'no'} token`);
      throw new HttpError(401, 'the run token is missing or wrong');
    }
    if (!url.pathname.startsWith(base)) throw new HttpError(404, `no such run here`);
    const what = url.pathname.slice(base.length);
    if (req.method === 'POST' && what === 'progress') return reply(res, opts.onProgress((await readJson(req)) as ProgressReport));
    if (req.method === 'POST' && what === 'result') return reply(res, await opts.onResult((await readJson(req)) as ResultReport));
    if (req.method === 'PUT' && (what === 'file' || what === 'dirty')) {
      const split = Number(url.searchParams.get('split'));
      const attempt = url.searchParams.get('attempt') ?? '';
      if (!Number.isInteger(split) || split < 0 || !ATTEMPT_RE.test(attempt)) throw new HttpError(400, 'split and attempt are required');
      if (what === 'dirty') {
        await pipeline(req, createWriteStream(join(opts.dirtyDir, `${split}-${attempt}.jsonl`)));
        return reply(res, { ok: true });
      }
      const path = url.searchParams.get('path') ?? '';
      const rel = opts.staging ? stagedPath(opts.staging, split, attempt, path) : undefined;
      if (!rel || !opts.staging) {
        req.resume();
        opts.log.warn(`workers endpoint: refused file ${JSON.stringify(path)} of split ${split}: outside the run's staging folder`);
        throw new HttpError(403, `${path} is outside the run's staging folder`);
      }
      const bytes = await receiveFile(req, opts.staging.storeDir, rel);
      opts.onFile(split, attempt, rel, bytes);
      return reply(res, { ok: true, bytes });
    }
    req.resume();
    throw new HttpError(404, `no ${req.method} ${what}`);
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => ok());
  }).catch((err: NodeJS.ErrnoException) => {
    throw new FerryError(ErrorCodes.WORKERS, `cannot listen on ${opts.host ?? '127.0.0.1'}:${opts.port ?? 0} for the workers' uploads (--listen): ${err.code ?? err.message}`);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${hostForUrl(opts.host ?? '127.0.0.1')}:${port}${base.slice(0, -1)}`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function reply(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > JSON_LIMIT) throw new HttpError(413, 'body too large');
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

/** Streams the body into a temporary file of the write, fsyncs it, renames it into place and fsyncs the folder. */
async function receiveFile(req: IncomingMessage, storeDir: string, rel: string): Promise<number> {
  const abs = resolve(storeDir, ...rel.split('/'));
  mkdirSync(dirname(abs), { recursive: true });
  // The temporary name starts like the file: a dead upload is swept with the write's other staged files.
  const tmp = `${abs}.${randomBytes(4).toString('hex')}.part`;
  try {
    await pipeline(req, createWriteStream(tmp, { flags: 'wx' }));
    const fh = await open(tmp, 'r+');
    let bytes: number;
    try {
      await fh.sync();
      bytes = (await fh.stat()).size;
    } finally {
      await fh.close();
    }
    renameSync(tmp, abs);
    const dir = await open(dirname(abs), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return bytes;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
