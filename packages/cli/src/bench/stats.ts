/**
 * Per-setting figures from the trials, and the recommendation. With a few
 * repeats (3 by default) the median, min and max say what there is to say;
 * means, deviations and confidence intervals would pretend otherwise.
 */
import type { TrialOutcome } from './trial-types.js';

/** Median, min and max of a few values. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The figures of one row of the report: one channel setting, or the source's baseline. */
export interface SettingRow {
  kind: 'job' | 'baseline';
  /** Channel count (job rows). */
  channels?: number;
  /** Splits the reader made at this setting (the engine runs at most this many channels). */
  splits: number;
  trials: number;
  wallMs: Spread;
  /** (max - min) / median of the wall times, in percent: the noise. */
  spreadPct: number;
  records: number;
  /** False for a baseline that only counts bytes. */
  recordsKnown: boolean;
  bytes: number;
  /** Records per second at the median wall time. */
  recordsPerSec?: number;
  /** MB (10^6 bytes) per second at the median wall time. */
  mbPerSec: number;
  /** Median CPU seconds of the trial process: all threads, the main thread, the rest (channel workers and Node's helper threads). */
  cpuS: number;
  mainCpuS?: number;
  workersCpuS?: number;
  /** CPU seconds per wall second: how many cores the setting kept busy. */
  coresBusy: number;
  /** The highest peak RSS of its trials. */
  peakRssBytes: number;
  /** Dirty records of a trial (the most seen). */
  dirty: number;
  /** Median wall time divided by the baseline's: 1.0 means as fast as the source's plain read. */
  vsBaseline?: number;
  /** Baseline rows: how the source was read. */
  method?: string;
}

/** The fewest channels within 5% of the best median, and why. */
export interface Recommendation {
  channels: number;
  reason: string;
  /** Further remarks (noise, splits). */
  notes: string[];
}

/** Within this fraction of the best median, fewer channels win. */
export const GOOD_ENOUGH = 0.05;

/** Median (mean of the middle two for an even count), min and max. */
export function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return { median: 0, min: 0, max: 0 };
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

const median = (values: number[]) => spread(values).median;

/** One row from the trials of one setting (all succeeded). */
export function summarize(kind: SettingRow['kind'], trials: TrialOutcome[], channels?: number): SettingRow {
  const wallMs = spread(trials.map((t) => t.wallMs));
  const secs = Math.max(wallMs.median, 1) / 1000;
  const last = trials[trials.length - 1]!;
  const cpuS = median(trials.map((t) => t.usage.cpuS));
  const mains = trials.map((t) => t.usage.mainCpuS).filter((v): v is number => v !== undefined);
  const row: SettingRow = {
    kind,
    ...(channels !== undefined ? { channels } : {}),
    splits: last.splits,
    trials: trials.length,
    wallMs,
    spreadPct: wallMs.median > 0 ? ((wallMs.max - wallMs.min) / wallMs.median) * 100 : 0,
    records: last.records,
    recordsKnown: last.recordsKnown,
    bytes: last.bytes,
    ...(last.recordsKnown ? { recordsPerSec: last.records / secs } : {}),
    mbPerSec: last.bytes / 1e6 / secs,
    cpuS,
    coresBusy: cpuS / secs,
    peakRssBytes: Math.max(...trials.map((t) => t.usage.peakRssBytes)),
    dirty: Math.max(...trials.map((t) => t.dirty)),
    ...(last.method ? { method: last.method } : {}),
  };
  if (mains.length === trials.length) {
    row.mainCpuS = median(mains);
    row.workersCpuS = Math.max(0, median(trials.map((t) => t.usage.cpuS - (t.usage.mainCpuS ?? 0))));
  }
  return row;
}

/** Sets each job row's ratio to the baseline's median wall time. */
export function compareWithBaseline(rows: SettingRow[], baseline: SettingRow | undefined): void {
  if (!baseline || baseline.wallMs.median <= 0) return;
  for (const r of rows) r.vsBaseline = r.wallMs.median / baseline.wallMs.median;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * The fewest channels whose median wall time is within 5% of the best, and
 * the likely limit: the source (close to its own plain read), the CPUs
 * (busy cores near the machine's), or neither (fixed costs per run).
 */
export function recommend(rows: SettingRow[], cores: number, load = 0): Recommendation {
  const jobs = rows.filter((r) => r.kind === 'job').sort((a, b) => a.channels! - b.channels!);
  const best = jobs.reduce((a, b) => (b.wallMs.median < a.wallMs.median ? b : a));
  const pick = jobs.find((r) => r.wallMs.median <= best.wallMs.median * (1 + GOOD_ENOUGH))!;
  const notes: string[] = [];
  const noisy = jobs.filter((r) => r.spreadPct > 10);
  if (noisy.length) notes.push(`noisy: wall times spread up to ${Math.round(Math.max(...noisy.map((r) => r.spreadPct)))}% within a setting (a busy machine?); --repeat 5 gives firmer medians`);
  const capped = jobs.filter((r) => r.splits < r.channels!);
  if (capped.length) notes.push(`${capped.map((r) => r.channels).join(', ')} channels: the reader made fewer splits than that, so fewer channels ran`);
  const n = pick.channels!;
  if (jobs.length === 1) return { channels: n, reason: `only ${plural(n, 'channel')} was measured`, notes };
  const more = jobs.filter((r) => r.channels! > n);
  const busy = `${pick.coresBusy.toFixed(1)} of ${cores} cores busy`;
  if (more.length === 0) {
    const next = jobs[jobs.length - 2]!;
    const gain = next.wallMs.median / pick.wallMs.median - 1;
    const room = pick.coresBusy < cores * 0.85 ? `; the CPUs are not saturated (${busy}), so more channels may help: try --channels ${n},${n * 2}` : ` and keeps ${busy}`;
    return { channels: n, reason: `${plural(n, 'channel')} is the fastest setting, ${pct(gain)} faster than ${plural(next.channels!, 'channel')}${room}`, notes };
  }
  const most = more[more.length - 1]!;
  const slower = most.wallMs.median / pick.wallMs.median;
  const head =
    slower > 1 + GOOD_ENOUGH
      ? `more channels are slower here (${most.channels} take ${slower.toFixed(2)}x the time of ${n})`
      : `${plural(most.channels!, 'channel')} ${most.channels === 1 ? 'is' : 'are'} not faster than ${n} (within ${pct(GOOD_ENOUGH)})`;
  if (pick.vsBaseline !== undefined && pick.vsBaseline <= 1.25) {
    return {
      channels: n,
      reason: `${head}: the source is the limit (${n} ${n === 1 ? 'channel takes' : 'channels take'} ${pick.vsBaseline.toFixed(2)}x the time of the source's own plain read)`,
      notes,
    };
  }
  if (load >= cores) {
    return {
      channels: n,
      reason: `${head}: the machine is busy with other work (load ${load} on ${cores} cores; this job got ${pick.coresBusy.toFixed(1)} of them), so more channels only compete with other processes; measure again on a quieter machine`,
      notes,
    };
  }
  if (pick.coresBusy >= cores * 0.85 || best.coresBusy >= cores * 0.85) {
    return { channels: n, reason: `${head}: CPU-bound (${busy}; more channels only share them)`, notes };
  }
  const ratio = pick.vsBaseline !== undefined ? `, ${pick.vsBaseline.toFixed(1)}x the source's plain read` : '';
  return {
    channels: n,
    reason: `${head}: neither the source nor the CPUs look saturated (${busy}${ratio}); fixed costs per run (start-up, planning, commit) or the destination are the likely limit at this size`,
    notes,
  };
}
