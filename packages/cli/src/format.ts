/** Number and size formatting for progress lines and summaries. */
import { formatBytes, formatInt } from '@ferry/core';

/** `1,234,567` (rounded). */
export function int(n: number): string {
  return formatInt(n);
}

/** `117 MiB`-style sizes; `compact` drops a digit (tables), else two digits below 10 (summaries). */
export function bytes(n: number, compact = false): string {
  return formatBytes(n, compact);
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** `yyyy-mm-dd hh:mm:ss` in local time, as DataX prints. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Aligned `label : value` lines. */
/** Rows under a header in columns two spaces apart, each padded to its widest cell (no trailing spaces); ends with a newline. */
export function grid(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => s.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function table(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)} : ${v}`).join('\n');
}

/** Words a counter name spells in lower case that read better as they are usually written. */
const PROPER: Record<string, string> = { http: 'HTTP', https: 'HTTPS', mysql: 'MySQL', url: 'URL', id: 'ID', utf8: 'UTF-8' };

/**
 * A plugin counter's key (`httpRetries`, `zeroDatesAsNull`) as a summary
 * label in the summary's own style: `HTTP retries`, `Zero dates as null`.
 */
export function counterLabel(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((w) => PROPER[w] ?? w);
  const first = words[0];
  if (first === undefined) return name;
  words[0] = first[0]!.toUpperCase() + first.slice(1);
  return words.join(' ');
}
