/**
 * Incremental reads of growing log files (`"incremental": true`): each run
 * reads only the complete lines appended since the last successful run.
 * The saved state holds, per file, the byte offset read up to (always just
 * after a line end), the ETag and Last-Modified the server gave, and a hash
 * of the bytes before the offset. A run:
 *
 * - asks each file's size (`Range: bytes=0-0`), and refuses a server that
 *   does not answer Range requests;
 * - detects a replaced file (rotated, truncated, rewritten): smaller than
 *   the offset, or, when its ETag or Last-Modified changed, other bytes
 *   before the offset than last time. It fails naming the file instead of
 *   mixing the new file's lines with the old one's (`--full-refresh` reads
 *   it from the start);
 * - reads from the offset up to the end of the last complete line it finds
 *   now (a line still being written waits for the next run), as one split
 *   per file, and saves the new offsets with the commit.
 */
import { createHash } from 'node:crypto';
import { ErrorCodes, FerryError, redactUrl, type ReaderStateContext } from '@ferry/core';
import type { ReaderConfig } from './config.js';
import { createAgent, fetchRange, probe, sourceError } from './http.js';
import { publicUrl } from './read.js';
import type { HttpSplit } from './split.js';

/** What is saved per file. */
export interface FileMark {
  /** Bytes read so far: the offset just after the last line read. */
  offset: number;
  etag?: string;
  lastModified?: string;
  /** sha256 (hex) of the up to TAIL bytes before `offset`: tells a replaced file from a grown one. */
  tail?: string;
}

/** The saved state: a mark per file, keyed by its URL without query or userinfo (so no token is saved). */
export interface LogState {
  files: Record<string, FileMark>;
}

const TAIL = 64;
/** Bytes fetched at a time when looking back from the end for the last line end. */
const LOOK_BACK = 64 * 1024;

/** The reader's part of the state key: the files read (no query strings: tokens stay out of it). */
export function logStateKey(cfg: ReaderConfig): string {
  const first = publicUrl(cfg.urls[0]!);
  return `httpfile:${first}${cfg.urls.length > 1 ? ` (+${cfg.urls.length - 1} more)` : ''}`;
}

/** The key of each URL in the saved state (its public form; a repeat gets its position). */
function fileKeys(urls: string[]): string[] {
  const seen = new Set<string>();
  return urls.map((u, i) => {
    let k = publicUrl(u);
    if (seen.has(k)) k = `${k}#${i}`;
    seen.add(k);
    return k;
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1) || key;

function replaced(url: string, why: string): FerryError {
  return new FerryError(
    ErrorCodes.SOURCE,
    `${redactUrl(url)} was replaced since the last run (${why}); its lines are not mixed with the old file's: read it from the start with ferry run --full-refresh (or ferry state reset JOB)`,
  );
}

/** Plans the splits of an incremental run and tells `state` what to save with the commit. */
export async function planIncremental(cfg: ReaderConfig, state: ReaderStateContext | undefined, signal?: AbortSignal): Promise<HttpSplit[]> {
  const saved = (state?.saved as LogState | undefined)?.files ?? {};
  const keys = fileKeys(cfg.urls);
  const agent = createAgent(cfg);
  const splits: HttpSplit[] = [];
  const next: Record<string, FileMark> = {};
  const ranges: string[] = [];
  try {
    for (const [i, url] of cfg.urls.entries()) {
      const key = keys[i]!;
      try {
        const p = await probe(agent, url, cfg, signal);
        const size = p.status === 416 ? 0 : p.size;
        if (p.status !== 416 && (!p.acceptsRanges || size === undefined)) {
          throw new FerryError(
            ErrorCodes.SOURCE,
            `${redactUrl(url)}: incremental reads need a server that answers Range requests with the file size (it answered HTTP ${p.status}${p.encoded ? ', content-encoded' : ''})`,
          );
        }
        const mark = saved[key];
        const from = mark?.offset ?? 0;
        if (size! < from) throw replaced(url, `it is ${size} bytes now, the last run read ${from}`);
        const changed = !mark?.etag || mark.etag !== p.etag || mark.lastModified !== p.lastModified;
        if (mark && from > 0 && changed && mark.tail) {
          const before = await fetchRange(agent, url, cfg, Math.max(0, from - TAIL), from, signal);
          if (sha(before) !== mark.tail) throw replaced(url, `the bytes before offset ${from} differ${mark.etag && p.etag && mark.etag !== p.etag ? `, ETag ${mark.etag} -> ${p.etag}` : ''}`);
        }
        // The end of the last complete line: a line still being written is left for the next run.
        let end = from;
        let pos = size!;
        while (pos > from) {
          const lo = Math.max(from, pos - LOOK_BACK);
          const chunk = await fetchRange(agent, url, cfg, lo, pos, signal);
          const nl = chunk.lastIndexOf(0x0a);
          if (nl >= 0) {
            end = lo + nl + 1;
            break;
          }
          // No line end within maxLineBytes of the end: a line that long is the reader's to report.
          if (size! - lo > cfg.maxLineBytes) {
            end = size!;
            break;
          }
          pos = lo;
        }
        const tail = end > 0 ? sha(await fetchRange(agent, url, cfg, Math.max(0, end - TAIL), end, signal)) : undefined;
        next[key] = { offset: end, ...(p.etag ? { etag: p.etag } : {}), ...(p.lastModified ? { lastModified: p.lastModified } : {}), ...(tail ? { tail } : {}) };
        if (end > from) splits.push({ url, start: from, end });
        ranges.push(end > from ? `${fileName(key)} bytes ${from}-${end}` : `${fileName(key)} nothing new at ${from}`);
      } catch (err) {
        throw sourceError(err, url, cfg, signal);
      }
    }
  } finally {
    await agent.close();
  }
  const shown = ranges.length > 3 ? [...ranges.slice(0, 3), `${ranges.length - 3} more file(s)`] : ranges;
  state?.save({ files: next } satisfies LogState, shown.join('; '));
  return splits;
}
