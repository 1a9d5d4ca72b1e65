/**
 * The `--report FILE.html` page: one self-contained file (inline CSS and
 * SVG, no scripts, no fonts, nothing fetched) that a person opens in a
 * browser or attaches to an issue. The chart has one bar per channel
 * setting (records/s) and a dot per setting for peak RSS.
 */
import { bytes, int } from '../format.js';
import type { BenchReport } from './report-types.js';
import { rowLabel, tableCells } from './render-text.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const MIB = 1024 * 1024;

/** Round tick steps (1, 2, 5 x 10^n) covering 0..max in about `n` steps. */
function ticks(max: number, n = 4): number[] {
  if (!(max > 0)) return [0];
  const raw = max / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out = [0];
  // The last tick is at or above max, so nothing is drawn past the axis.
  while (out[out.length - 1]! < max) out.push(+(out.length * step).toPrecision(12));
  return out;
}

/** Short numbers for axis labels: 1.2M, 350k. */
function short(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toFixed(1));
}

/** The chart: records/s bars (left axis), peak RSS dots and line (right axis), the baseline as a dashed line. */
export function renderChart(report: BenchReport): string {
  const W = 760,
    H = 340,
    L = 78,
    R = 78,
    T = 36,
    B = 56;
  const pw = W - L - R,
    ph = H - T - B;
  const rows = report.settings;
  const rates = rows.map((r) => r.recordsPerSec ?? 0);
  const highs = rows.map((r) => (r.wallMs.min > 0 ? r.records / (r.wallMs.min / 1000) : 0));
  const base = report.baseline?.recordsPerSec;
  const top = ticks(Math.max(...highs, ...rates, base ?? 0, 1) * 1.12);
  const yMax = top[top.length - 1]!;
  const rssTop = ticks((Math.max(...rows.map((r) => r.peakRssBytes)) / MIB) * 1.1);
  const rssMax = rssTop[rssTop.length - 1]! || 1;
  const y = (v: number) => T + ph - (v / yMax) * ph;
  const yr = (mib: number) => T + ph - (mib / rssMax) * ph;
  const band = pw / rows.length;
  const bw = Math.min(70, band * 0.55);
  const cx = (i: number) => L + band * i + band / 2;
  const rec = report.recommendation.channels;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="chart-title">`);
  parts.push(`<title id="chart-title">records per second (bars) and peak RSS (dots) per channel setting</title>`);
  for (const t of top)
    parts.push(
      `<line class="grid" x1="${L}" x2="${L + pw}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="tick" x="${L - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${short(t)}</text>`,
    );
  for (const t of rssTop) parts.push(`<text class="tick rss-tick" x="${L + pw + 8}" y="${(yr(t) + 4).toFixed(1)}">${short(t)}</text>`);
  parts.push(`<text class="axis" transform="translate(18 ${T + ph / 2}) rotate(-90)" text-anchor="middle">records/s</text>`);
  parts.push(`<text class="axis rss-tick" transform="translate(${W - 14} ${T + ph / 2}) rotate(90)" text-anchor="middle">peak RSS (MiB)</text>`);
  rows.forEach((r, i) => {
    const h = T + ph - y(rates[i]!);
    const x = cx(i) - bw / 2;
    const cls = r.channels === rec ? 'bar recommended' : 'bar';
    const tip = `${r.channels} ch: ${int(rates[i]!)} records/s (median of ${r.trials}), peak RSS ${bytes(r.peakRssBytes, true)}`;
    parts.push(
      `<rect class="${cls}" data-channels="${r.channels}" x="${x.toFixed(1)}" y="${y(rates[i]!).toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(0, h).toFixed(1)}"><title>${esc(tip)}</title></rect>`,
    );
    // The slowest and fastest trial of the setting: the noise.
    const lo = r.wallMs.max > 0 ? r.records / (r.wallMs.max / 1000) : 0;
    parts.push(`<line class="range" x1="${cx(i)}" x2="${cx(i)}" y1="${y(lo).toFixed(1)}" y2="${y(highs[i]!).toFixed(1)}"/>`);
    parts.push(`<text class="label" x="${cx(i)}" y="${T + ph + 20}" text-anchor="middle">${r.channels} ch${r.channels === rec ? ' ★' : ''}</text>`);
    parts.push(`<text class="value" x="${cx(i)}" y="${(Math.min(y(rates[i]!), y(highs[i]!)) - 6).toFixed(1)}" text-anchor="middle">${short(rates[i]!)}</text>`);
  });
  const pts = rows.map((r, i) => `${cx(i).toFixed(1)},${yr(r.peakRssBytes / MIB).toFixed(1)}`);
  parts.push(`<polyline class="rss-line" points="${pts.join(' ')}"/>`);
  rows.forEach((r, i) => {
    parts.push(
      `<circle class="rss" data-channels="${r.channels}" cx="${cx(i).toFixed(1)}" cy="${yr(r.peakRssBytes / MIB).toFixed(1)}" r="5"><title>${esc(`${r.channels} ch: peak RSS ${bytes(r.peakRssBytes, true)}`)}</title></circle>`,
    );
  });
  if (base !== undefined) {
    parts.push(`<line class="baseline" x1="${L}" x2="${L + pw}" y1="${y(base).toFixed(1)}" y2="${y(base).toFixed(1)}"/>`);
    parts.push(`<text class="baseline-label" x="${L + pw - 4}" y="${(y(base) - 6).toFixed(1)}" text-anchor="end">source's plain read: ${short(base)} records/s</text>`);
  }
  parts.push(`<line class="axis-line" x1="${L}" x2="${L + pw}" y1="${T + ph}" y2="${T + ph}"/>`);
  parts.push(
    `<g class="legend" transform="translate(${L} 18)"><rect class="legend-bar" x="0" y="-9" width="12" height="10"/><text x="18" y="0">records/s (median; line: min-max)</text><circle class="legend-rss" cx="250" cy="-4" r="5"/><text x="260" y="0">peak RSS</text></g>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d232b}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.sub{color:#5b6470;margin:0 0 1rem}
.rec{background:#eef7ee;border-left:4px solid #2f8f46;padding:.6rem .8rem;margin:1rem 0}
.note{color:#8a5a00}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;width:100%}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e2e6ea;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f5f7f9}
tr.recommended td{background:#eef7ee;font-weight:600}tr.baseline td{color:#5b6470}
.speed{display:inline-block;height:.7rem;background:#3b6fb6;vertical-align:middle}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}dt{color:#5b6470}dd{margin:0}
svg{max-width:100%;height:auto;font-size:12px}
.grid{stroke:#e8ebee}.axis-line{stroke:#9aa3ad}.tick,.axis{fill:#5b6470}.rss-tick{fill:#b3541e}
.bar,.legend-bar{fill:#3b6fb6}.bar.recommended{fill:#2f8f46}.range{stroke:#1d232b;stroke-width:1.5}
.rss,.legend-rss{fill:#b3541e;stroke:#fff;stroke-width:1.5}.rss-line{fill:none;stroke:#b3541e;stroke-width:1.5;stroke-dasharray:4 3}
.baseline{stroke:#6b4fa0;stroke-width:1.5;stroke-dasharray:6 4}.baseline-label{fill:#6b4fa0}
.label{fill:#1d232b}.value{fill:#1d232b;font-size:11px}.legend text{fill:#1d232b}
`;

/** The whole page. */
export function renderHtml(report: BenchReport): string {
  const { job, machine: m } = report;
  const { head, rows, speeds } = tableCells(report);
  const all = [...(report.baseline ? [report.baseline] : []), ...report.settings];
  const rec = report.recommendation;
  const tr = rows.map((cells, i) => {
    const r = all[i]!;
    const cls = r.kind === 'baseline' ? ' class="baseline"' : r.channels === rec.channels ? ' class="recommended"' : '';
    const bar = `<span class="speed" style="width:${Math.max(2, Math.round(speeds[i]! * 120))}px"></span>`;
    return `<tr${cls}>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}<td style="text-align:left">${bar}</td></tr>`;
  });
  const dl = (pairs: [string, string][]) => `<dl>${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
  const jobPairs: [string, string][] = [
    ['job file', job.file],
    ['reader -> writer', `${job.reader} -> ${job.writer}`],
    [
      'target',
      job.target === 'null'
        ? 'null: rows are read, converted to nothing and dropped (the source side)'
        : `scratch: written through the ${job.writer} writer into a throwaway copy of ${job.destination}, commit included`,
    ],
    ['rounds', `${report.repeat}, after a warm-up at ${report.warmup.channels} ch (${(report.warmup.wallMs / 1000).toFixed(2)} s, ${report.warmup.splits} splits); settings interleaved in each round`],
    ['params', job.params.length ? job.params.join(', ') : '(none)'],
    ...(job.bizdate ? [['bizdate', job.bizdate] as [string, string]] : []),
    ...(report.baseline?.method ? [['baseline', report.baseline.method] as [string, string]] : []),
    ['started / ended', `${report.startedAt} / ${report.endedAt}`],
    ['ferry', report.ferryVersion],
  ];
  const machinePairs: [string, string][] = [
    ['cores', `${m.cores} (${m.cpuModel})`],
    ['memory', bytes(m.memoryBytes, true)],
    ['system', m.os],
    ['node', m.node],
    ['load at start', `${m.loadAtStart} (1-minute average; a busy machine makes noisy figures)`],
  ];
  const speed = report.speed?.length
    ? `<h2>Speed limits at ${report.speed[0]!.channels} ch</h2><table><tr><th>setting.speed.records</th><th>measured records/s</th><th>ratio</th><th>holds</th></tr>${report.speed
        .map((s) => `<tr><td>${int(s.limit)}</td><td>${int(s.recordsPerSec)}</td><td>${s.ratio.toFixed(2)}x</td><td>${s.holds ? 'yes' : 'NO'}</td></tr>`)
        .join('')}</table>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ferry bench: ${esc(job.file)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>ferry bench: ${esc(job.file)}</h1>
<p class="sub">${esc(`${job.reader} -> ${job.target === 'null' ? 'null' : `${job.writer} (scratch)`}, ${report.settings.map((r) => rowLabel(r)).join(', ')}, ${report.repeat} round(s)`)}</p>
<p class="rec"><b>Recommended: ${rec.channels} channel${rec.channels === 1 ? '' : 's'}.</b> ${esc(rec.reason)}.</p>
${rec.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
${renderChart(report)}
<h2>Per setting</h2>
<table>
<tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}<th style="text-align:left">speed</th></tr>
${tr.join('\n')}
</table>
<p class="sub">Wall: the job's own elapsed time (as <code>ferry run</code> prints it), median of the rounds. Records/s and MB/s at the median (MB/s counts the Arrow bytes of the batches read; the baseline's, the source's raw bytes). CPU: seconds of the trial's process, main thread + the rest (channel workers and Node's helper threads). Peak RSS: the highest of the trials; every trial runs in a fresh process. vs baseline: median wall / the source's plain read of the same data.</p>
${speed}
<h2>Job</h2>
${dl(jobPairs)}
<h2>Machine</h2>
${dl(machinePairs)}
</body>
</html>
`;
}
