/**
 * The `file` reader's ceiling for `ferry bench`: the raw bytes of the job's
 * files, one after the other, read in 1 MiB chunks and dropped: no line
 * framing, no decoding, no decompression.
 */
import { createReadStream } from 'node:fs';
import type { BaselineResult, JobContext } from '@ferry/core';
import type { ReaderConfig } from './config.js';
import { planFileSplits } from './file-split.js';

/** Reads every file of the job once and counts its bytes. */
export async function fileBaseline(cfg: ReaderConfig & { paths: string[] }, ctx: JobContext): Promise<BaselineResult> {
  const files = await planFileSplits(cfg, ctx.baseDir, 1);
  let bytes = 0;
  for (const f of files) {
    for await (const chunk of createReadStream(f.path, { highWaterMark: 1 << 20, signal: ctx.signal })) bytes += (chunk as Buffer).length;
  }
  return { method: `the raw bytes of ${files.length} file${files.length === 1 ? '' : 's'}, read in order, not parsed`, bytes };
}
