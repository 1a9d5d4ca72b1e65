/**
 * The source's own ceiling for `ferry bench`: the raw bytes of the job's
 * URLs, one after the other on one connection, counted and dropped: no line
 * framing, no decoding, no decompression.
 */
import type { BaselineResult, JobContext } from '@ferry/core';
import type { ReaderConfig } from './config.js';
import { createAgent, openBody, sourceError } from './http.js';

/** GETs every URL of the job once and counts the body bytes. */
export async function baseline(cfg: ReaderConfig, ctx: JobContext): Promise<BaselineResult> {
  const agent = createAgent(cfg);
  let bytes = 0;
  try {
    for (const url of cfg.urls) {
      try {
        // Read as the channels read it (directly off the socket when the answer is plain): a ceiling slower than the reader would mislead.
        const opened = await openBody(agent, url, cfg, 0, false, ctx.signal, true);
        for await (const chunk of opened?.body ?? []) bytes += (chunk as Buffer).length;
      } catch (err) {
        throw sourceError(err, url, cfg, ctx.signal);
      }
    }
  } finally {
    await agent.close();
  }
  return { method: `the raw bytes of ${cfg.urls.length} URL${cfg.urls.length === 1 ? '' : 's'} on one connection, not parsed`, bytes };
}
