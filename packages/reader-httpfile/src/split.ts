/**
 * Splits: each file is one split, and a large uncompressed text file on a
 * server that honours Range is cut into byte ranges (about 3 per channel, no
 * smaller than `splitSize`). Range boundaries need not fall on line ends:
 * the reader aligns them (a split owns the lines that start inside it).
 */
import type { ReaderConfig } from './config.js';
import { createAgent, probe, sourceError } from './http.js';

/** One unit of work: a byte range of one file (`end` -1: to the end). */
export interface HttpSplit {
  url: string;
  start: number;
  end: number;
  /** False when the probe found the server ignores Range (resumes then re-read and skip). */
  ranges?: boolean;
}

/** Ranges per channel: a few, so a slow range does not leave a channel idle at the end. */
const RANGES_PER_CHANNEL = 3;
/** Probes in flight at once: a job may name hundreds of files on one server. */
const PROBES_AT_ONCE = 8;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function planSplits(cfg: ReaderConfig, advice: number, signal?: AbortSignal): Promise<HttpSplit[]> {
  // CSV may hold line breaks inside quotes, so a range could start mid-record;
  // compressed files cannot be entered in the middle.
  const splittable = cfg.format === 'text' && cfg.compress === 'none';
  if (!splittable) return cfg.urls.map((url) => ({ url, start: 0, end: -1 }));
  const agent = createAgent(cfg);
  try {
    const probes = await mapLimit(cfg.urls, PROBES_AT_ONCE, async (url) => {
      try {
        return await probe(agent, url, cfg, signal);
      } catch (err) {
        throw sourceError(err, url, cfg, signal);
      }
    });
    const total = probes.reduce((s, p) => s + (p.acceptsRanges && p.size ? p.size : 0), 0);
    const wanted = Math.max(1, advice) * RANGES_PER_CHANNEL;
    const pieceSize = Math.max(cfg.splitSize, Math.ceil(total / wanted));
    const splits: HttpSplit[] = [];
    cfg.urls.forEach((url, i) => {
      const p = probes[i]!;
      if (!p.acceptsRanges || !p.size || advice <= 1) {
        splits.push({ url, start: 0, end: -1, ...(p.acceptsRanges ? {} : { ranges: false }) });
        return;
      }
      const pieces = Math.max(1, Math.min(Math.ceil(p.size / pieceSize), Math.floor(p.size / cfg.splitSize) || 1));
      const step = Math.ceil(p.size / pieces);
      for (let s = 0; s < p.size; s += step) {
        const e = Math.min(p.size, s + step);
        // The last range reads to the end, whatever the file has grown to.
        splits.push({ url, start: s, end: e >= p.size ? -1 : e });
      }
    });
    return splits;
  } finally {
    await agent.close();
  }
}
