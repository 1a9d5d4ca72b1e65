/** The connectivity test behind `ferry datasource test`: probe every URL. */
import { formatBytes, redactUrl, type CheckReport } from '@ferry/core';
import type { ReaderConfig } from './config.js';
import { createAgent, probe, sourceError } from './http.js';

export async function checkUrls(cfg: ReaderConfig, signal?: AbortSignal): Promise<CheckReport> {
  const agent = createAgent(cfg);
  const details: Record<string, string | number | boolean> = {};
  const problems: string[] = [];
  const lines: string[] = [];
  try {
    for (const [i, url] of cfg.urls.entries()) {
      const key = cfg.urls.length === 1 ? '' : `url[${i}].`;
      details[`${key}url`] = redactUrl(url);
      try {
        const p = await probe(agent, url, cfg, signal);
        details[`${key}status`] = p.status;
        if (p.size !== undefined) details[`${key}size`] = p.size;
        details[`${key}acceptsRanges`] = p.acceptsRanges;
        details[`${key}latencyMs`] = p.latencyMs;
        lines.push(
          `${redactUrl(url)}: HTTP ${p.status}, ${p.size === undefined ? 'size unknown' : formatBytes(p.size)}, ${p.acceptsRanges ? 'Range supported' : 'no Range support'}, ${p.latencyMs} ms`,
        );
      } catch (err) {
        const e = sourceError(err, url, cfg, signal);
        details[`${key}error`] = e.message;
        problems.push(e.message);
      }
    }
  } finally {
    await agent.close().catch(() => {});
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; '), details };
  return { ok: true, message: lines.length === 1 ? lines[0]! : `${lines.length} files reachable: ${lines.join('; ')}`, details };
}
