/**
 * Splits of the `file` reader: the paths and patterns are expanded (sorted,
 * each file once), and a large uncompressed text file is cut into byte
 * ranges (about 3 per channel, none smaller than `splitSize`), as httpfile
 * does with HTTP Range.
 */
import { stat } from 'node:fs/promises';
import { ErrorCodes, FerryError } from '@ferry/core';
import type { ReaderConfig } from './config.js';
import type { FileRange } from './file-regions.js';
import { resolvePaths } from './glob.js';

const RANGES_PER_CHANNEL = 3;

export async function planFileSplits(cfg: ReaderConfig & { paths: string[] }, baseDir: string, advice: number): Promise<FileRange[]> {
  const files = await resolvePaths(cfg.paths, baseDir);
  // CSV may hold line breaks inside quotes and compressed files cannot be entered in the middle.
  const splittable = cfg.format === 'text' && cfg.compress === 'none' && advice > 1;
  if (!splittable) return files.map((path) => ({ path, start: 0, end: -1 }));
  const sizes = await Promise.all(
    files.map(async (f) => {
      try {
        return (await stat(f)).size;
      } catch (err) {
        throw new FerryError(ErrorCodes.SOURCE, `cannot read ${f}: ${(err as Error).message}`);
      }
    }),
  );
  const total = sizes.reduce((a, b) => a + b, 0);
  const pieceSize = Math.max(cfg.splitSize, Math.ceil(total / (advice * RANGES_PER_CHANNEL)));
  const splits: FileRange[] = [];
  files.forEach((path, i) => {
    const size = sizes[i]!;
    const pieces = Math.max(1, Math.min(Math.ceil(size / pieceSize), Math.floor(size / cfg.splitSize) || 1));
    const step = Math.ceil(size / pieces) || 1;
    for (let s = 0; s < Math.max(size, 1); s += step) {
      const e = Math.min(size, s + step);
      splits.push({ path, start: s, end: e >= size ? -1 : e });
    }
  });
  return splits;
}
