/** The connectivity test behind `ferry datasource test`: probe every URL. */
import { redactUrl, type CheckReport } from '@ferry/core';
import type { ReaderConfig } from './config.js';
import { createAgent, probe, sourceError } from './http.js';

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

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
        lines.push(`${redactUrl(url)}: HTTP ${p.status}, ${p.size === undefined ? 'size unknown' : human(p.size)}, ${p.acceptsRanges ? 'Range supported' : 'no Range support'}, ${p.latencyMs} ms`);
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
