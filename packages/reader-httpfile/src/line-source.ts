/**
 * Bytes of one split -> regions of whole lines. A region is a Buffer of
 * complete lines, each ending with `\n` (only the file's last line may lack
 * it). This is where byte ranges are aligned to lines (a split owns the lines
 * that START inside it), where a dropped connection resumes from the last
 * complete line, and where an endless line is cut off before it eats memory.
 *
 * Offsets are in the decompressed stream: an uncompressed file resumes with
 * `Range: bytes=<offset>-`; a compressed one (or a server without Range) is
 * fetched again and the bytes before the offset are skipped.
 */
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCodes, FerryError, redactUrl } from '@ferry/core/channel';
import { discard, isRetryable, openBody, sourceError, type HttpClient, type HttpSettings } from './http.js';

/** The byte range of a file one split reads; `end` -1 means to the end of the file. */
export interface ByteRange {
  url: string;
  start: number;
  end: number;
}

export interface LineSourceOptions extends HttpSettings {
  compress: 'none' | 'gzip' | 'deflate';
  maxLineBytes: number;
  retries: number;
  retryBackoff: number;
  /** Longest wait between retries (ms). */
  retryBackoffMax?: number;
  /** A body slower than this many bytes/s over lowSpeedTime ms is dropped (and retried); 0: off. */
  lowSpeedLimit?: number;
  lowSpeedTime?: number;
  /** False when the server is known to ignore Range (then a resume re-reads and skips). */
  useRange?: boolean;
}

/** Reports a line that grew past maxLineBytes: its first bytes and its length so far. */
export type OverlongHandler = (preview: Buffer, length: number) => void;

const PREVIEW = 256;
/** Bytes read after a reconnect that make the retry count start over. */
const PROGRESS_RESETS_RETRIES = 16 * 1024 * 1024;

/** Yields the regions of whole lines owned by `range`. */
export async function* lineRegions(
  range: ByteRange,
  opts: LineSourceOptions,
  client: HttpClient,
  signal: AbortSignal | undefined,
  onOverlong: OverlongHandler,
  onRetry?: (err: unknown, attempt: number) => void,
): AsyncGenerator<Buffer> {
  const end = range.end < 0 ? Infinity : range.end;
  // Compressed by the config (a .gz file) or, once a response says so, by Content-Encoding (as curl --compressed decodes).
  let compressed = opts.compress !== 'none';
  let useRange = !compressed && opts.useRange !== false;
  // A split that does not start the file owns only lines that start inside it:
  // read from the byte before its start; if that byte is not `\n`, the first
  // (partial) line belongs to the previous split.
  let skipping = range.start > 0;
  /** Offset of the first byte not yet handed on or skipped: where a resume starts. */
  let consumed = range.start > 0 ? range.start - 1 : 0;
  let carry: Buffer[] = [];
  let carryLen = 0;
  /** The first bytes and the length so far of a line being skipped for being too long. */
  let overlongHead: Buffer | undefined;
  let overlongLen = 0;
  let attempt = 0;
  let done = consumed >= end;

  while (!done) {
    let stream: Readable | undefined;
    let body: Readable | undefined;
    let pos = 0;
    let openedAt = consumed;
    let watchdog: NodeJS.Timeout | undefined;
    try {
      // Uncompressed files are read off the socket into reused buffers (see raw-get.ts): what is kept across chunks is copied.
      const opened = await openBody(client, range.url, opts, consumed, useRange, signal, opts.compress === 'none');
      if (!opened) return; // 416: nothing at or past the offset
      body = opened.body as unknown as Readable;
      stream = body;
      pos = opened.offset;
      openedAt = consumed;
      if (opened.encoding && opened.offset > 0) {
        // Encoded bytes from the middle cannot be decoded: fetch it whole and skip to where we were.
        discard(body);
        body = undefined;
        useRange = false;
        compressed = true;
        continue;
      }
      if (opened.encoding) {
        compressed = true;
        useRange = false;
      }
      const decode = opened.encoding ?? (opts.compress === 'none' ? undefined : opts.compress);
      if (decode) {
        const z = decode === 'gzip' ? createGunzip({ chunkSize: 64 * 1024 }) : decode === 'br' ? createBrotliDecompress({ chunkSize: 64 * 1024 }) : createInflate({ chunkSize: 64 * 1024 });
        body.on('error', (err) => z.destroy(err));
        stream = body.pipe(z);
      }
      // A new body: whatever partial line we held is re-read from `consumed`.
      carry = [];
      carryLen = 0;
      // readTimeout only sees silence; a server trickling a byte now and then must not be waited on forever.
      let window = 0;
      const lowSpeed = opts.lowSpeedLimit ?? 0;
      const lowTime = opts.lowSpeedTime ?? 60_000;
      const watched: Readable = stream;
      if (lowSpeed > 0) {
        watchdog = setInterval(() => {
          if (window < (lowSpeed * lowTime) / 1000) {
            watched.destroy(Object.assign(new Error(`fewer than ${lowSpeed} bytes/s for ${lowTime} ms (lowSpeedLimit/lowSpeedTime)`), { code: 'FERRY_LOW_SPEED' }));
          }
          window = 0;
        }, lowTime);
      }
      for await (const raw of stream as AsyncIterable<Buffer>) {
        window += raw.length;
        let c = raw;
        let cAbs = pos;
        pos += c.length;
        if (pos <= consumed) continue; // server ignored Range (or compressed): skip what we had
        if (cAbs < consumed) {
          c = c.subarray(consumed - cAbs);
          cAbs = consumed;
        }
        // A reconnect that then moves a good way forward was a blip, not a pattern.
        if (attempt > 0 && pos - openedAt >= PROGRESS_RESETS_RETRIES) attempt = 0;
        let i = 0;
        const n = c.length;
        if (skipping) {
          const nl = c.indexOf(10);
          if (nl < 0) {
            consumed = pos;
            overlongLen += n;
            continue;
          }
          skipping = false;
          if (overlongHead) {
            onOverlong(overlongHead, overlongLen + nl);
            overlongHead = undefined;
            overlongLen = 0;
          }
          i = nl + 1;
          consumed = cAbs + i;
          if (consumed >= end) {
            done = true;
            break;
          }
        }
        if (carryLen > 0) {
          const nl = c.indexOf(10, i);
          if (nl < 0) {
            carry.push(Buffer.from(c.subarray(i)));
            carryLen += n - i;
            // Too long to be a line we keep: skip to its end without buffering it.
            if (carryLen > opts.maxLineBytes) startSkipping(Buffer.concat(carry).subarray(0, PREVIEW), pos);
            continue;
          }
          carry.push(c.subarray(i, nl + 1));
          const line = Buffer.concat(carry, carryLen + nl + 1 - i);
          carry = [];
          carryLen = 0;
          i = nl + 1;
          consumed = cAbs + i;
          yield line;
          if (consumed >= end) {
            done = true;
            break;
          }
        }
        if (i >= n) continue;
        // The last line this split owns is the one holding byte end-1.
        const last = end - 1 - cAbs;
        if (last < n) {
          const nl = c.indexOf(10, Math.max(i, last));
          if (nl >= 0) {
            consumed = cAbs + nl + 1;
            yield c.subarray(i, nl + 1);
            done = true;
            break;
          }
        }
        const lastNl = c.lastIndexOf(10);
        if (lastNl >= i) {
          consumed = cAbs + lastNl + 1;
          yield c.subarray(i, lastNl + 1);
          i = lastNl + 1;
        }
        if (i < n) {
          carry.push(Buffer.from(c.subarray(i)));
          carryLen = n - i;
          if (carryLen > opts.maxLineBytes) startSkipping(Buffer.from(c.subarray(i, i + PREVIEW)), pos);
        }
      }
      if (!done) {
        if (skipping && overlongHead) onOverlong(overlongHead, overlongLen);
        else if (carryLen > 0) yield Buffer.concat(carry, carryLen); // last line without `\n`
        done = true;
      }
    } catch (err) {
      if (signal?.aborted) throw new FerryError(ErrorCodes.ABORTED, `reading ${redactUrl(range.url)} was cancelled`, { cause: err });
      const code = (err as { code?: unknown }).code;
      if (compressed && typeof code === 'string' && code.startsWith('Z_')) {
        throw new FerryError(ErrorCodes.SOURCE, `${opts.compress === 'none' ? 'content-encoded' : opts.compress} data of ${redactUrl(range.url)} is truncated or corrupt: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (!isRetryable(err) || attempt >= opts.retries) {
        const e = sourceError(err, range.url, opts, signal);
        if (attempt > 0 && isRetryable(err)) e.message += ` (after ${attempt} retries)`;
        throw e;
      }
      attempt++;
      onRetry?.(err, attempt);
      await sleep(Math.min(opts.retryBackoffMax ?? 30_000, opts.retryBackoff * 2 ** Math.min(attempt - 1, 30)), undefined, signal ? { signal } : undefined).catch(() => {
        throw new FerryError(ErrorCodes.ABORTED, `reading ${redactUrl(range.url)} was cancelled`);
      });
    } finally {
      if (watchdog) clearInterval(watchdog);
      if (stream && stream !== body) discard(stream);
      if (body) discard(body);
    }
  }

  function startSkipping(head: Buffer, at: number): void {
    overlongHead = head;
    overlongLen = carryLen;
    carry = [];
    carryLen = 0;
    skipping = true;
    consumed = at;
  }
}
