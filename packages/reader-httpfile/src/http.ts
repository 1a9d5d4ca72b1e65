/**
 * The HTTP side: one client per read (keep-alive agents, timeouts from the
 * config, redirects followed), GETs from a byte offset, and the mapping of
 * network failures to FerryErrors that name the URL.
 *
 * Built on node:http, not undici: in a fresh process undici took 75-88 ms
 * to load (59 modules) and read a 500 MB body in 0.52 s where
 * node:http read it in 0.27-0.44 s (`undici.request` against `http.get`,
 * both counting lines with Buffer.indexOf, over loopback).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { ErrorCodes, FerryError, redactUrl } from '@ferry/core/channel';
import { coded, RawBody, rawGet } from './raw-get.js';

const { STATUS_CODES } = http;

/** What the HTTP calls need from the config. */
export interface HttpSettings {
  connectTimeout: number;
  readTimeout: number;
  headers: Record<string, string>;
}

/** Keep-alive agents (one per protocol) and the config's timeouts; close it when the read ends. */
export interface HttpClient {
  readonly settings: HttpSettings;
  agent(protocol: string): http.Agent;
  close(): Promise<void>;
}

export function createAgent(cfg: HttpSettings): HttpClient {
  const agents = new Map<string, http.Agent>();
  return {
    settings: cfg,
    agent(protocol) {
      let a = agents.get(protocol);
      if (!a) {
        // A pooled socket idle for 4 s is closed (undici's keepAliveTimeout), before a server closes it under a probe.
        const options = { keepAlive: true, timeout: 4_000 };
        a = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
        agents.set(protocol, a);
      }
      return a;
    },
    async close() {
      for (const a of agents.values()) a.destroy();
      agents.clear();
    },
  };
}

export type Body = http.IncomingMessage;

/** A response whose body has not been read. */
interface Response {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Body;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** Headers that do not follow a redirect to another origin. */
const PRIVATE_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * Calls `onSilence` after `ms` without a byte from `socket` while the reader
 * waits for one. Not silence: the socket paused because the body's reader is
 * not reading (backpressure; the timer restarts when it resumes), and a body
 * that has arrived whole and only waits to be read (`done`). undici's
 * bodyTimeout makes the same exceptions; socket.setTimeout makes neither.
 * Returns a stop.
 */
function watchSilence(socket: Socket, ms: number, done: () => boolean, onSilence: () => void): () => void {
  const timer = setTimeout(() => {
    if (!socket.isPaused() && !done()) onSilence();
  }, ms);
  const touch = () => timer.refresh();
  socket.on('data', touch);
  socket.on('resume', touch);
  return () => {
    clearTimeout(timer);
    socket.off('data', touch);
    socket.off('resume', touch);
  };
}

/** One GET, no redirects: resolves with the response head, rejects on connect or read timeouts. */
function send(client: HttpClient, url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
  const { connectTimeout, readTimeout } = client.settings;
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    let response: http.IncomingMessage | undefined;
    let connectTimer: NodeJS.Timeout | undefined;
    let stopWatch: (() => void) | undefined;
    const stop = () => {
      clearTimeout(connectTimer);
      stopWatch?.();
      stopWatch = undefined;
    };
    const req = mod.request(url, { method: 'GET', headers, agent: client.agent(url.protocol), ...(signal ? { signal } : {}) });
    // Silence on the socket, from connected to the last body byte (headers or body).
    const watch = (socket: Socket) => {
      if (req.destroyed) return;
      stopWatch = watchSilence(
        socket,
        readTimeout,
        () => response?.complete === true,
        () => {
          const err = coded(`no data for ${readTimeout} ms`, 'FERRY_READ_TIMEOUT');
          if (response) response.destroy(err);
          else req.destroy(err);
        },
      );
    };
    req.on('socket', (socket) => {
      if (!socket.connecting) return watch(socket);
      connectTimer = setTimeout(() => req.destroy(coded(`connect timeout after ${connectTimeout} ms`, 'FERRY_CONNECT_TIMEOUT')), connectTimeout);
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        watch(socket);
      });
    });
    req.on('response', (res) => {
      response = res;
      // Before the socket goes back to the pool (or is destroyed), the watch ends.
      res.once('end', stop);
      res.once('close', stop);
      resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.on('close', stop);
    req.on('error', (err) => {
      stop();
      reject(err);
    });
    req.end();
  });
}

/** A GET that follows up to 5 redirects (dropping credentials when the origin changes), as curl -L does. */
async function get(client: HttpClient, url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
  let current = new URL(url);
  let sent = headers;
  for (let hop = 0; ; hop++) {
    const res = await send(client, current, sent, signal);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode) || !location) return res;
    await drain(res.body);
    if (hop === MAX_REDIRECTS) throw new FerryError(ErrorCodes.SOURCE, `${redactUrl(url)} redirected more than ${MAX_REDIRECTS} times`);
    const next = new URL(location, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new FerryError(ErrorCodes.SOURCE, `${redactUrl(url)} redirected to a ${next.protocol} URL, which ferry does not follow`);
    if (next.origin !== current.origin) sent = Object.fromEntries(Object.entries(sent).filter(([k]) => !PRIVATE_HEADERS.has(k.toLowerCase())));
    else if (!next.username && !next.password) {
      // A relative Location keeps the URL's credentials (URL resolution copies them); an absolute one to the same origin must too.
      next.username = current.username;
      next.password = current.password;
    }
    current = next;
  }
}

/** Reads a body to its end without keeping it (small bodies: an error page, a 1-byte probe); past 128 KiB it is dropped. */
function drain(body: Body | RawBody): Promise<void> {
  if (body instanceof RawBody) {
    body.destroy();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    let n = 0;
    body.on('data', (c: Buffer) => {
      n += c.length;
      if (n > 128 * 1024) discard(body);
    });
    body.once('end', resolve);
    body.once('close', resolve);
    body.once('error', () => resolve());
  });
}

/** The whole body. */
async function bytesOf(body: Body): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** An open response body and the byte offset of its first byte in the file. */
export interface OpenBody {
  /** node:http's response, or (`direct` reads) chunks valid until the next one is asked for. */
  body: Body | RawBody;
  /** File offset of the body's first byte: `from` when the server honoured Range, else 0. */
  offset: number;
  status: number;
  /** Total file size when the server told it. */
  size?: number;
  /** True when the server answered the Range request with 206. */
  ranged: boolean;
  /** The body's Content-Encoding (gzip, deflate, br), when the server encoded it. */
  encoding?: ContentEncoding;
}

export type ContentEncoding = 'gzip' | 'deflate' | 'br';

/** The Content-Encoding of a response, when it is one we decode; `identity` and none give undefined. */
export function contentEncodingOf(headers: Record<string, string | string[] | undefined>): ContentEncoding | undefined {
  const v = header(headers, 'content-encoding')?.trim().toLowerCase();
  if (!v || v === 'identity') return undefined;
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  if (v === 'deflate' || v === 'br') return v;
  throw new FerryError(ErrorCodes.SOURCE, `the server sent Content-Encoding ${v}, which ferry cannot decode (gzip, deflate and br can be)`);
}

/** `HTTP 404 Not Found for <url>` */
export function statusError(status: number, url: string): FerryError {
  return new FerryError(ErrorCodes.SOURCE, `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() + ` for ${redactUrl(url)}`);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Total size from `Content-Range: bytes a-b/size` or, for a 200, `Content-Length`. */
function sizeOf(status: number, headers: Record<string, string | string[] | undefined>): number | undefined {
  if (status === 206) {
    const m = /\/(\d+)\s*$/.exec(header(headers, 'content-range') ?? '');
    return m ? Number(m[1]) : undefined;
  }
  const len = header(headers, 'content-length');
  return len !== undefined && /^\d+$/.test(len) ? Number(len) : undefined;
}

/**
 * GETs `url` from byte `from` (a Range request when from > 0 and `useRange`).
 * A 416 for a start at or past the end is an empty body. 4xx/5xx throw.
 * `direct`: the caller iterates the body itself and copies what it keeps,
 * so a plain 200/206 over http: is read off the socket (raw-get.ts); any
 * other answer is asked for again through node:http.
 */
export async function openBody(client: HttpClient, url: string, cfg: HttpSettings, from: number, useRange: boolean, signal?: AbortSignal, direct = false): Promise<OpenBody | undefined> {
  const headers: Record<string, string> = { ...cfg.headers };
  const ranged = from > 0 && useRange;
  if (ranged) headers['range'] = `bytes=${from}-`;
  const res = (direct ? await rawGet(new URL(url), headers, cfg, signal) : undefined) ?? (await get(client, url, headers, signal));
  if (res.statusCode === 416 && ranged) {
    await drain(res.body);
    return undefined;
  }
  if (res.statusCode >= 400) {
    await drain(res.body);
    throw statusError(res.statusCode, url);
  }
  let offset = 0;
  if (res.statusCode === 206) {
    const m = /bytes\s+(\d+)-/.exec(header(res.headers, 'content-range') ?? '');
    offset = m ? Number(m[1]) : 0;
    if (ranged && offset !== from) {
      discard(res.body);
      throw new FerryError(ErrorCodes.SOURCE, `${redactUrl(url)} answered a Range request from byte ${from} with bytes from ${offset}`);
    }
  }
  const size = sizeOf(res.statusCode, res.headers);
  let encoding: ContentEncoding | undefined;
  try {
    encoding = contentEncodingOf(res.headers);
  } catch (err) {
    discard(res.body);
    throw err;
  }
  return { body: res.body, offset, status: res.statusCode, ranged: res.statusCode === 206, ...(size !== undefined ? { size } : {}), ...(encoding ? { encoding } : {}) };
}

/** Stops a body we no longer want, quietly. */
export function discard(body: { on(event: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}

/** What a probe learns about a file: size and whether byte ranges work. */
export interface Probe {
  status: number;
  size?: number;
  acceptsRanges: boolean;
  latencyMs: number;
  /** The server content-encodes the file: its byte ranges are of the encoded bytes, so it is read whole. */
  encoded?: boolean;
  /** The validators the server gave, when it did. */
  etag?: string;
  lastModified?: string;
}

/** Asks for byte 0 only (`Range: bytes=0-0`): a 206 proves ranges work and gives the size. */
export async function probe(client: HttpClient, url: string, cfg: HttpSettings, signal?: AbortSignal): Promise<Probe> {
  const started = performance.now();
  const res = await get(client, url, { ...cfg.headers, range: 'bytes=0-0' }, signal);
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  // A 200 would stream the whole file: stop it instead of draining it.
  if (res.statusCode === 206) await drain(res.body);
  else discard(res.body);
  if (res.statusCode === 416) return { status: 416, size: 0, acceptsRanges: true, latencyMs };
  if (res.statusCode >= 400) throw statusError(res.statusCode, url);
  const size = sizeOf(res.statusCode, res.headers);
  const encoded = header(res.headers, 'content-encoding') !== undefined && header(res.headers, 'content-encoding')!.toLowerCase() !== 'identity';
  const etag = header(res.headers, 'etag');
  const lastModified = header(res.headers, 'last-modified');
  return {
    status: res.statusCode,
    acceptsRanges: res.statusCode === 206 && !encoded,
    latencyMs,
    ...(size !== undefined ? { size } : {}),
    ...(encoded ? { encoded } : {}),
    ...(etag ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
  };
}

/** The bytes [start, end) of a file, by one Range request; the server must honour it. */
export async function fetchRange(client: HttpClient, url: string, cfg: HttpSettings, start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
  if (end <= start) return Buffer.alloc(0);
  const res = await get(client, url, { ...cfg.headers, range: `bytes=${start}-${end - 1}` }, signal);
  if (res.statusCode >= 400) {
    await drain(res.body);
    throw statusError(res.statusCode, url);
  }
  const m = /bytes\s+(\d+)-/.exec(header(res.headers, 'content-range') ?? '');
  if (res.statusCode !== 206 || !m || Number(m[1]) !== start) {
    discard(res.body);
    throw new FerryError(ErrorCodes.SOURCE, `${redactUrl(url)} did not answer a Range request for bytes ${start}-${end - 1} with those bytes (HTTP ${res.statusCode})`);
  }
  const buf = await bytesOf(res.body);
  return buf.subarray(0, end - start);
}

const RETRYABLE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'FERRY_READ_TIMEOUT', 'FERRY_CONNECT_TIMEOUT', 'FERRY_LOW_SPEED']);

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return undefined;
}

/** True for network failures worth a reconnect (not HTTP statuses, not aborts). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof FerryError) return false;
  const code = codeOf(err);
  return code !== undefined && RETRYABLE.has(code);
}

/** A FerryError naming the URL (and the timeout when one fired); FerryErrors pass through. */
export function sourceError(err: unknown, url: string, cfg: HttpSettings, signal?: AbortSignal): FerryError {
  if (err instanceof FerryError) return err;
  if (signal?.aborted) return new FerryError(ErrorCodes.ABORTED, `reading ${redactUrl(url)} was cancelled`, { cause: err });
  const code = codeOf(err);
  const msg = (err as Error)?.message ?? String(err);
  switch (code) {
    case 'FERRY_CONNECT_TIMEOUT':
      return new FerryError(ErrorCodes.SOURCE, `connecting to ${redactUrl(url)} timed out after ${cfg.connectTimeout} ms (connectTimeout)`, { cause: err });
    case 'FERRY_LOW_SPEED':
      return new FerryError(ErrorCodes.SOURCE, `${redactUrl(url)} is too slow: ${msg}`, { cause: err });
    case 'FERRY_READ_TIMEOUT':
      return new FerryError(ErrorCodes.SOURCE, `no data from ${redactUrl(url)} for ${cfg.readTimeout} ms (readTimeout)`, { cause: err });
    case 'ECONNREFUSED':
      return new FerryError(ErrorCodes.SOURCE, `cannot connect to ${redactUrl(url)}: connection refused`, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new FerryError(ErrorCodes.SOURCE, `cannot resolve the host of ${redactUrl(url)}`, { cause: err });
    default:
      return new FerryError(ErrorCodes.SOURCE, `reading ${redactUrl(url)} failed: ${msg}${code ? ` (${code})` : ''}`, { cause: err });
  }
}
