/**
 * The fast path of a split's read: one GET on a plain TCP socket whose bytes
 * land in a few reused buffers (`net.connect`'s `onread`), with the response
 * head parsed here. node:http allocates a new buffer for every read of the
 * socket and copies each body chunk once more; on this machine, 500 MB over
 * loopback took 0.58-1.07 s of CPU through `http.get` and 0.13-0.14 s this
 * way (both counting lines with Buffer.indexOf).
 *
 * Only the simple case is read here: `http:` URLs, a 200 or 206 with a
 * Content-Length, no Transfer-Encoding and no Content-Encoding. Anything
 * else (a redirect, an error status, a chunked or compressed body, https)
 * is left to node:http (`openBody` asks again there), so redirects,
 * decoding and TLS keep one implementation.
 *
 * A chunk handed out by the iterator is valid until the next one is asked
 * for: its buffer is then reused. Callers copy what they keep.
 */
import { connect, type Socket } from 'node:net';
import type { HttpSettings } from './http.js';

/**
 * Buffers a connection reads into, made as needed: the one the consumer
 * holds, up to MAX_QUEUED read ahead of it, and the one the next read goes
 * into (Node asks for it right after each read).
 */
const MAX_QUEUED = 2;
const BUFFER_BYTES = 512 * 1024;
/** A response head longer than this is not a file server's. */
const MAX_HEAD_BYTES = 64 * 1024;

/** An Error with a `code`, as Node's network errors have (isRetryable and sourceError read it). */
export function coded(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The head of a response read here, and its body. */
export interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: RawBody;
}

/** Header names and values that could not go on the wire as they are: node:http refuses them with its own message. */
const UNSAFE = /[\r\n\0]/;

/**
 * GETs `url` on a fresh connection when the fast path can read it; undefined
 * when it cannot (not `http:`, or the response is not a plain 200/206 body),
 * and then nothing is left open.
 */
export async function rawGet(url: URL, headers: Record<string, string>, settings: HttpSettings, signal?: AbortSignal): Promise<RawResponse | undefined> {
  if (url.protocol !== 'http:') return undefined;
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  let auth = false;
  for (const [k, v] of Object.entries(headers)) {
    if (UNSAFE.test(k) || UNSAFE.test(v)) return undefined;
    if (k.toLowerCase() === 'host' || k.toLowerCase() === 'connection') return undefined;
    if (k.toLowerCase() === 'authorization') auth = true;
    lines.push(`${k}: ${v}`);
  }
  // As node:http does: credentials in the URL become Basic auth, unless a header says otherwise.
  if (!auth && (url.username || url.password)) {
    lines.push(`Authorization: Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`);
  }
  lines.push('Connection: close', '', '');
  const body = new RawBody(url, Buffer.from(lines.join('\r\n'), 'latin1'), settings, signal);
  const head = await body.head;
  const te = head.headers['transfer-encoding'];
  const ce = head.headers['content-encoding'];
  const len = head.headers['content-length'];
  const simple =
    (head.statusCode === 200 || head.statusCode === 206) &&
    (te === undefined || te.toLowerCase() === 'identity') &&
    (ce === undefined || ce.toLowerCase() === 'identity') &&
    len !== undefined &&
    /^\d+$/.test(len);
  if (!simple) {
    body.destroy();
    return undefined;
  }
  body.expect(Number(len));
  return { statusCode: head.statusCode, headers: head.headers, body };
}

/** Body bytes (a view) and the buffer they live in. */
interface Chunk {
  buf: Buffer;
  chunk: Buffer;
}

/** One response read off a socket into reused buffers: the head, then the body as an async iterator of chunks. */
export class RawBody implements AsyncIterable<Buffer> {
  readonly head: Promise<{ statusCode: number; headers: Record<string, string> }>;
  private readonly socket: Socket;
  private readonly free: Buffer[] = [];
  /** Body chunks read and not yet handed out, each with the buffer it is a view of. */
  private readonly queue: Chunk[] = [];
  /** The buffer of the chunk the consumer holds. */
  private held: Buffer | undefined;
  private headText = '';
  private headDone = false;
  private resolveHead!: (h: { statusCode: number; headers: Record<string, string> }) => void;
  private rejectHead!: (err: Error) => void;
  /** Body bytes still to come (-1 until the head is read and `expect` called). */
  private remaining = -1;
  private received = 0;
  private total = 0;
  /** Body bytes that came with the head, before `expect`. */
  private early: Chunk | undefined;
  private error: Error | undefined;
  private ended = false;
  private paused = false;
  private wake: (() => void) | undefined;
  private readonly connectTimer: NodeJS.Timeout;
  private readTimer: NodeJS.Timeout | undefined;
  private readonly onAbort: () => void;

  constructor(
    private readonly url: URL,
    request: Buffer,
    private readonly settings: HttpSettings,
    private readonly signal?: AbortSignal,
  ) {
    this.head = new Promise((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    // Until the head is awaited, a failure must not count as unhandled.
    this.head.catch(() => {});
    this.socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      onread: { buffer: () => this.nextBuffer(), callback: (n: number, buf: Uint8Array) => this.onRead(n, buf as Buffer) },
    });
    this.connectTimer = setTimeout(() => this.fail(coded(`connect timeout after ${settings.connectTimeout} ms`, 'FERRY_CONNECT_TIMEOUT')), settings.connectTimeout);
    this.socket.once('connect', () => {
      clearTimeout(this.connectTimer);
      this.readTimer = setTimeout(() => this.silence(), settings.readTimeout);
      this.socket.write(request);
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onEnd());
    this.onAbort = () => this.fail(Object.assign(new Error('the read was cancelled'), { name: 'AbortError', code: 'ABORT_ERR' }));
    if (signal?.aborted) queueMicrotask(this.onAbort);
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The body is `length` bytes (Content-Length); reading it may start. */
  expect(length: number): void {
    this.total = length;
    this.remaining = length;
    const early = this.early;
    this.early = undefined;
    if (early) this.take(early.buf, early.chunk);
    else if (this.remaining === 0) this.finish();
  }

  /** The buffer the next read goes into (Node asks after every read): never one that is queued or held. */
  private nextBuffer(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(BUFFER_BYTES);
  }

  private onRead(n: number, buf: Buffer): boolean {
    this.readTimer?.refresh();
    if (this.error || this.ended) return false;
    let chunk = buf.subarray(0, n);
    if (!this.headDone) {
      const at = this.headText.length;
      this.headText += chunk.toString('latin1', 0, Math.min(n, MAX_HEAD_BYTES));
      const end = this.headText.indexOf('\r\n\r\n');
      if (end < 0 && this.headText.length < MAX_HEAD_BYTES) {
        this.free.push(buf);
        return true;
      }
      this.headDone = true;
      const parsed = end < 0 ? undefined : parseHead(this.headText.slice(0, end));
      if (!parsed) {
        // A head this parser does not take (too long, folded lines, not HTTP/1.x): node:http reads the answer, or says what is wrong with it.
        this.free.push(buf);
        this.resolveHead({ statusCode: 0, headers: {} });
        return this.pause();
      }
      chunk = chunk.subarray(end + 4 - at);
      if (chunk.length > 0) this.early = { buf, chunk };
      else this.free.push(buf);
      this.resolveHead(parsed);
      // Nothing more is read until rawGet has looked at the head.
      return this.pause();
    }
    this.take(buf, chunk);
    // The consumer is behind: stop reading until it catches up (the server waits, as with backpressure).
    return this.queue.length < MAX_QUEUED ? true : this.pause();
  }

  /** Queues body bytes (up to the Content-Length) from `buf`. */
  private take(buf: Buffer, chunk: Buffer): void {
    if (this.remaining <= 0) {
      // Bytes past the Content-Length (or any, for an empty body): not the body's.
      this.free.push(buf);
      if (!this.ended) this.finish();
      return;
    }
    const part = chunk.length > this.remaining ? chunk.subarray(0, this.remaining) : chunk;
    this.remaining -= part.length;
    this.received += part.length;
    if (part.length > 0) this.queue.push({ buf, chunk: part });
    else this.free.push(buf);
    if (this.remaining === 0) this.finish();
    this.notify();
  }

  private pause(): boolean {
    this.paused = true;
    return false;
  }

  /** The whole body is here: no more reads, the connection goes. */
  private finish(): void {
    this.ended = true;
    this.stopTimers();
    this.socket.destroy();
    this.notify();
  }

  private onEnd(): void {
    if (this.ended || this.error) return;
    if (!this.headDone) this.fail(coded(`${this.url.host} closed the connection before it answered`, 'ECONNRESET'));
    else if (this.remaining !== 0) this.fail(coded(`the connection closed after ${this.received} of ${this.total} body bytes`, 'ECONNRESET'));
  }

  /** No byte for readTimeout while waiting for one: not while paused by the reader, not once the body is whole. */
  private silence(): void {
    if (this.ended || this.error) return;
    if (this.paused) {
      this.readTimer?.refresh();
      return;
    }
    this.fail(coded(`no data for ${this.settings.readTimeout} ms`, 'FERRY_READ_TIMEOUT'));
  }

  private fail(err: Error): void {
    if (this.error || this.ended) return;
    this.error = err;
    this.stopTimers();
    this.socket.destroy();
    this.rejectHead(err);
    this.notify();
  }

  private stopTimers(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.readTimer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Ends the read (and the connection); `err` is what the iterator then throws. */
  destroy(err?: Error): void {
    if (err) this.fail(err);
    else if (!this.ended && !this.error) {
      this.queue.length = 0;
      this.finish();
    }
  }

  /** For `discard`, which silences a stream's error events: this body emits none (the iterator throws its failure). */
  on(_event: 'error', _fn: (err: Error) => void): this {
    return this;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        // The chunk handed out last is done with: its buffer takes reads again.
        if (this.held) {
          this.free.push(this.held);
          this.held = undefined;
        }
        if (this.queue.length > 0) {
          const { buf, chunk } = this.queue.shift()!;
          this.held = buf;
          this.resume();
          yield chunk;
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) return;
        this.resume();
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (!this.ended && !this.error) this.destroy();
    }
  }

  private resume(): void {
    if (this.paused && this.queue.length < MAX_QUEUED && !this.ended && !this.error) {
      this.paused = false;
      // Silence is counted from here: the server had stopped because we had.
      this.readTimer?.refresh();
      this.socket.resume();
    }
  }
}

/** `HTTP/1.1 206 Partial Content` and `Name: value` lines -> status and lowercased headers (the first of repeated ones). */
function parseHead(text: string): { statusCode: number; headers: Record<string, string> } | undefined {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in headers)) headers[name] = line.slice(colon + 1).trim();
  }
  return { statusCode: Number(m[1]), headers };
}
