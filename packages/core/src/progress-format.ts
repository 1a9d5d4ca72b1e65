/**
 * One progress line, shared by the run log, workflow node logs and the
 * terminal, so they all say the same thing in the same units (binary:
 * KiB, MiB, MiB/s).
 */
import type { Progress } from './run-types.js';

/** `117 MiB`-style sizes: binary units, two digits below 10, else one; `compact` drops a digit (tables). */
export function formatBytes(n: number, compact = false): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed((v < 10 ? 2 : 1) - (compact ? 1 : 0))} ${units[i]}`;
}

/** A rate in MiB/s (the unit every summary and progress line uses). */
export function formatByteRate(bytes: number, ms: number): string {
  return `${(bytes / Math.max(ms / 1000, 0.001) / 1048576).toFixed(1)} MiB/s`;
}

/** `12 s`, `4 min 10 s`, `2 h 5 min`: an ETA, rounded up to the second. */
export function formatEta(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * `1,234,567`: `n` rounded, digits grouped as en-US does. Written out rather
 * than `toLocaleString`: its first call loads ICU's number formatting, ~20
 * ms on this machine, in every `ferry run` that prints a summary.
 */
export function formatInt(n: number): string {
  const r = Math.round(n);
  if (!Number.isSafeInteger(r)) return r.toLocaleString('en-US');
  const digits = String(Math.abs(r)).replace(/\B(?=(\d{3})+$)/g, ',');
  return r < 0 ? `-${digits}` : digits;
}

const int = formatInt;

/**
 * `45,000 of 100,000 records (45.0%), 1.23 MiB, 9,000 records/s, 0.2 MiB/s,
 * 0 dirty, splits 3/8, ETA 7 s`: the percentage and ETA only when the
 * reader said how many records there are.
 */
export function formatProgress(p: Progress): string {
  const secs = Math.max(p.elapsedMs / 1000, 0.001);
  const rate = p.recordsRead / secs;
  const total = p.recordsTotal;
  const known = total !== undefined && total > 0;
  const parts = [
    known ? `${int(p.recordsRead)} of ${int(total)} records (${Math.min(100, (p.recordsRead / total) * 100).toFixed(1)}%)` : `${int(p.recordsRead)} records`,
    formatBytes(p.bytesRead),
    `${int(rate)} records/s`,
    formatByteRate(p.bytesRead, p.elapsedMs),
    `${int(p.dirtyRecords)} dirty`,
    `splits ${p.splitsDone}/${p.splitsTotal}`,
  ];
  if (known && rate > 0) parts.push(`ETA ${formatEta(((total - Math.min(total, p.recordsRead)) / rate) * 1000)}`);
  return parts.join(', ');
}
