/** The terminal view of a bench: an aligned table with a speed bar per row, then the recommendation. */
import { bytes, int } from '../format.js';
import type { BenchReport } from './report-types.js';
import type { SettingRow } from './stats.js';

const BAR_WIDTH = 24;

/** `1 ch`, `baseline`. */
export function rowLabel(r: SettingRow): string {
  return r.kind === 'baseline' ? 'baseline' : `${r.channels} ch`;
}

/** Seconds with two decimals. */
export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** `0.42 (0.10 + 0.32)`: all threads, then main + the rest. */
export function cpuText(r: SettingRow): string {
  const total = r.cpuS.toFixed(2);
  return r.mainCpuS === undefined ? total : `${total} (${r.mainCpuS.toFixed(2)} + ${r.workersCpuS!.toFixed(2)})`;
}

/** The rows of the table as text cells (shared with the HTML report). */
export function tableCells(report: BenchReport): { head: string[]; rows: string[][]; speeds: number[] } {
  const all = [...(report.baseline ? [report.baseline] : []), ...report.settings];
  const fastest = Math.min(...all.map((r) => r.wallMs.median));
  const head = ['setting', 'splits', 'wall median', 'min - max', 'spread', 'records/s', 'MB/s', 'CPU s (main + workers)', 'cores busy', 'peak RSS', 'dirty', 'vs baseline'];
  const rows = all.map((r) => [
    rowLabel(r),
    r.kind === 'baseline' ? '-' : String(r.splits),
    secs(r.wallMs.median),
    `${(r.wallMs.min / 1000).toFixed(2)} - ${secs(r.wallMs.max)}`,
    `${Math.round(r.spreadPct)}%`,
    r.recordsPerSec === undefined ? '-' : int(r.recordsPerSec),
    r.mbPerSec.toFixed(1),
    cpuText(r),
    r.coresBusy.toFixed(1),
    bytes(r.peakRssBytes, true),
    r.kind === 'baseline' ? '-' : int(r.dirty),
    r.kind === 'baseline' ? '1.00x' : r.vsBaseline === undefined ? '-' : `${r.vsBaseline.toFixed(2)}x`,
  ]);
  // Relative speed (fastest = 1) drives the bars: it works for a byte-only baseline too.
  return { head, rows, speeds: all.map((r) => (r.wallMs.median > 0 ? fastest / r.wallMs.median : 0)) };
}

/** The whole terminal report. */
export function renderText(report: BenchReport): string {
  const { job, machine: m } = report;
  const { head, rows, speeds } = tableCells(report);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out: string[] = [];
  out.push(`ferry bench ${job.file}: ${job.reader} -> ${job.target === 'null' ? 'null (rows read and dropped)' : `${job.writer} (scratch copy of ${job.destination})`}`);
  out.push(`${report.repeat} round${report.repeat === 1 ? '' : 's'} after a warm-up at ${report.warmup.channels} ch; each trial in a fresh process`);
  out.push(`machine: ${m.cores} cores (${m.cpuModel}), ${bytes(m.memoryBytes, true)}, ${m.os}, Node ${m.node}, load ${m.loadAtStart} at start`);
  out.push('');
  out.push(line(head) + '  speed');
  rows.forEach((r, i) => {
    out.push(line(r) + '  ' + '█'.repeat(Math.max(1, Math.round(speeds[i]! * BAR_WIDTH))));
  });
  out.push('');
  if (report.baseline?.method) out.push(`baseline: ${report.baseline.method}`);
  const rec = report.recommendation;
  out.push(`recommended: ${rec.channels} channel${rec.channels === 1 ? '' : 's'}. ${rec.reason}.`);
  for (const n of rec.notes) out.push(`note: ${n}`);
  if (report.speed?.length) {
    out.push('');
    out.push(`speed limits (setting.speed.records) at ${report.speed[0]!.channels} ch:`);
    for (const s of report.speed) out.push(`  ${int(s.limit)} records/s -> ${int(s.recordsPerSec)} records/s (${s.ratio.toFixed(2)}x the limit): ${s.holds ? 'holds' : 'DOES NOT HOLD'}`);
  }
  return out.join('\n');
}
