/**
 * Bytes of one local file range -> regions of whole lines (each ending with
 * `\n`, only the file's last line may lack it), as line-source.ts does for
 * HTTP: a range owns the lines that START inside it, so it reads from the
 * byte before its start and past its end to finish its last line. Compressed
 * files are read whole through zlib. An endless line is cut off.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { ErrorCodes, FerryError } from '@ferry/core/channel';
import type { OverlongHandler } from './line-source.js';

/** A byte range of a local file; `end` -1 reads to the end. */
export interface FileRange {
  path: string;
  start: number;
  end: number;
}

const PREVIEW = 256;

export async function* fileRegions(
  range: FileRange,
  opts: { compress: 'none' | 'gzip' | 'deflate'; maxLineBytes: number },
  signal: AbortSignal | undefined,
  onOverlong: OverlongHandler,
): AsyncGenerator<Buffer> {
  const compressed = opts.compress !== 'none';
  const from = !compressed && range.start > 0 ? range.start - 1 : 0;
  const end = range.end < 0 ? Infinity : range.end;
  const file = createReadStream(range.path, { start: from, highWaterMark: 256 * 1024, ...(signal ? { signal } : {}) });
  let stream: Readable = file;
  if (compressed) {
    const z = opts.compress === 'gzip' ? createGunzip({ chunkSize: 64 * 1024 }) : createInflate({ chunkSize: 64 * 1024 });
    file.on('error', (err) => z.destroy(err));
    stream = file.pipe(z);
  }
  // A range that does not start the file skips the line in progress at its start (it belongs to the previous range).
  let skipping = from > 0;
  let overlongHead: Buffer | undefined;
  let overlongLen = 0;
  let carry: Buffer[] = [];
  let carryLen = 0;
  let pos = from;
  try {
    outer: for await (const c of stream as AsyncIterable<Buffer>) {
      const cAbs = pos;
      pos += c.length;
      const n = c.length;
      let i = 0;
      if (skipping) {
        const nl = c.indexOf(10);
        if (nl < 0) {
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
        if (cAbs + i >= end) break;
      }
      if (carryLen > 0) {
        const nl = c.indexOf(10, i);
        if (nl < 0) {
          carry.push(c.subarray(i));
          carryLen += n - i;
          if (carryLen > opts.maxLineBytes) startSkipping(Buffer.concat(carry).subarray(0, PREVIEW));
          continue;
        }
        carry.push(c.subarray(i, nl + 1));
        const line = Buffer.concat(carry, carryLen + nl + 1 - i);
        carry = [];
        carryLen = 0;
        i = nl + 1;
        yield line;
        if (cAbs + i >= end) break;
      }
      if (i >= n) continue;
      // The last line this range owns is the one holding byte end-1.
      const last = end - 1 - cAbs;
      if (last < n) {
        const nl = c.indexOf(10, Math.max(i, last));
        if (nl >= 0) {
          yield c.subarray(i, nl + 1);
          break outer;
        }
      }
      const lastNl = c.lastIndexOf(10);
      if (lastNl >= i) {
        yield c.subarray(i, lastNl + 1);
        i = lastNl + 1;
      }
      if (i < n) {
        carry.push(c.subarray(i));
        carryLen = n - i;
        if (carryLen > opts.maxLineBytes) startSkipping(Buffer.from(c.subarray(i, i + PREVIEW)));
      }
    }
    if (skipping && overlongHead) onOverlong(overlongHead, overlongLen);
    else if (carryLen > 0) yield Buffer.concat(carry, carryLen); // last line without `\n`
  } catch (err) {
    if (signal?.aborted) throw new FerryError(ErrorCodes.ABORTED, `reading ${range.path} was cancelled`, { cause: err });
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new FerryError(ErrorCodes.SOURCE, `${opts.compress} data of ${range.path} is truncated or corrupt: ${(err as Error).message}`, { cause: err });
    }
    throw new FerryError(ErrorCodes.SOURCE, `reading ${range.path} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    file.destroy();
    if (stream !== file) stream.destroy();
  }

  function startSkipping(head: Buffer): void {
    overlongHead = head;
    overlongLen = carryLen;
    carry = [];
    carryLen = 0;
    skipping = true;
  }
}
