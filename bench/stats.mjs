// Figures the benchmarks share.

/** The median of the numbers (the upper middle one of an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Samples kept per variant across interleaved rounds (every variant runs once per round, so a load spike on a
 * shared machine lands on all of them): `add(what, sample)` keeps a `{ ms, ... }`; `medians()` gives each
 * variant's median-time sample with `runsMs` (every time) and `minMs`, in the order variants were first added.
 */
export function roundSamples() {
  const all = new Map();
  return {
    add(what, sample) {
      if (!all.has(what)) all.set(what, []);
      all.get(what).push(sample);
    },
    medians() {
      return [...all].map(([what, samples]) => {
        const sorted = [...samples].sort((a, b) => a.ms - b.ms);
        const mid = sorted[Math.floor(sorted.length / 2)];
        return { what, ...mid, runsMs: samples.map((s) => Math.round(s.ms)), minMs: sorted[0].ms };
      });
    },
  };
}
