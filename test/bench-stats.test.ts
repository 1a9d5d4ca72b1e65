/**
 * The bench's figures and its recommendation, on rows made up to hit each
 * case (the sweeps in bench.test.ts cannot choose what limits a real run).
 */
import { describe, expect, it } from 'vitest';
import { compareWithBaseline, recommend, spread, summarize, type SettingRow } from '../packages/cli/dist/bench/stats.js';
import type { TrialOutcome } from '../packages/cli/dist/bench/trial-types.js';

function trial(wallMs: number, cpuS: number, extra: Partial<TrialOutcome> = {}): TrialOutcome {
  return { ok: true, wallMs, records: 1_000_000, recordsKnown: true, bytes: 50_000_000, dirty: 0, splits: 8, usage: { cpuS, mainCpuS: 0.1, peakRssBytes: 100 << 20 }, ...extra };
}

/** A setting whose trials all took `wallMs` and `cpuS`. */
function row(channels: number, wallMs: number, cpuS: number): SettingRow {
  return summarize('job', [trial(wallMs, cpuS), trial(wallMs, cpuS), trial(wallMs, cpuS)], channels);
}

describe('bench figures', () => {
  it('takes the median, min and max of the trials', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('summarizes a setting: rates at the median, the spread, the highest peak RSS, main and worker CPU', () => {
    const r = summarize('job', [trial(1000, 1.5), trial(2000, 2.5, { usage: { cpuS: 2.5, mainCpuS: 0.3, peakRssBytes: 300 << 20 } }), trial(1500, 2)], 2);
    expect(r.wallMs).toEqual({ median: 1500, min: 1000, max: 2000 });
    expect(r.spreadPct).toBeCloseTo(66.67, 1);
    expect(r.recordsPerSec).toBeCloseTo(1_000_000 / 1.5, 3);
    expect(r.mbPerSec).toBeCloseTo(50 / 1.5, 3);
    expect(r.cpuS).toBe(2);
    expect(r.mainCpuS).toBe(0.1);
    expect(r.workersCpuS).toBeCloseTo(1.9, 10);
    expect(r.peakRssBytes).toBe(300 << 20);
    expect(r.coresBusy).toBeCloseTo(2 / 1.5, 10);
  });
});

describe('the recommendation', () => {
  it('takes the fewest channels within 5% of the best, and names the source when it runs near the plain read', () => {
    const rows = [row(1, 2000, 1), row(2, 1040, 1.2), row(4, 1000, 1.3)];
    compareWithBaseline(rows, summarize('baseline', [trial(950, 0.3)]));
    const rec = recommend(rows, 8);
    expect(rec.channels).toBe(2);
    expect(rec.reason).toMatch(/^4 channels are not faster than 2 \(within 5%\): the source is the limit \(2 channels take 1\.09x/);
  });

  it('says CPU-bound when the chosen setting keeps the cores busy', () => {
    const rows = [row(1, 2000, 1.9), row(2, 1000, 1.9), row(4, 1020, 1.95)];
    const rec = recommend(rows, 2);
    expect(rec.channels).toBe(2);
    expect(rec.reason).toContain('CPU-bound (1.9 of 2 cores busy');
  });

  it('suggests more channels when the most tested is clearly the fastest and cores are idle', () => {
    const rec = recommend([row(1, 4000, 1), row(2, 2000, 1)], 8);
    expect(rec.channels).toBe(2);
    expect(rec.reason).toBe('2 channels is the fastest setting, 100% faster than 1 channel; the CPUs are not saturated (0.5 of 8 cores busy), so more channels may help: try --channels 2,4');
  });

  it('blames a busy machine when the load is above the core count', () => {
    const rec = recommend([row(1, 1000, 0.2), row(2, 1500, 0.3)], 2, 30);
    expect(rec.channels).toBe(1);
    expect(rec.reason).toContain('more channels are slower here (2 take 1.50x the time of 1): the machine is busy with other work (load 30 on 2 cores');
  });

  it('points out noise and settings the reader could not fill', () => {
    const noisy = summarize('job', [trial(1000, 1), trial(1300, 1), trial(1100, 1, { splits: 1 })], 2);
    const rec = recommend([row(1, 1100, 1), noisy], 8);
    expect(rec.notes).toEqual([expect.stringMatching(/^noisy: wall times spread up to 27% within a setting/), '2 channels: the reader made fewer splits than that, so fewer channels ran']);
  });
});
