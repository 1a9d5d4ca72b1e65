/** What the bench sends to a trial process and what comes back (plain JSON over the IPC channel). */

/** One trial: run the job once, or the reader's baseline once. */
export interface TrialRequest {
  kind: 'job' | 'baseline';
  /** The job object (data sources applied; channel, writer and speed set by the bench). */
  job: unknown;
  params: Record<string, string>;
  bizdate?: string;
  storeDir?: string;
  project: string;
  baseDir: string;
  /** Where this trial's run log and dirty records go (a temp folder, never the real store). */
  runDir: string;
  debug: boolean;
}

/** Resources one trial process used. */
export interface TrialUsage {
  /** CPU seconds of the whole process during the trial (every thread). */
  cpuS: number;
  /** CPU seconds of the main thread alone, where the OS tells it (Linux /proc). */
  mainCpuS?: number;
  /** Peak resident set size of the process, bytes. */
  peakRssBytes: number;
}

/** The result of one trial. */
export interface TrialOutcome {
  ok: boolean;
  /** The job's own elapsed time (as `ferry run` prints it), or the baseline call's. */
  wallMs: number;
  records: number;
  /** Job: Arrow bytes of the batches read (as `ferry run` counts them); baseline: bytes taken from the source. */
  bytes: number;
  /** False when the baseline does not know how many records it read. */
  recordsKnown: boolean;
  dirty: number;
  splits: number;
  usage: TrialUsage;
  /** Baseline: how it read. */
  method?: string;
  error?: { code: string; message: string; stack?: string };
}

/** A trial that produced nothing: every figure zero, with the error (and what the process had used, when known). */
export function failedTrial(error: NonNullable<TrialOutcome['error']>, usage: TrialUsage = { cpuS: 0, peakRssBytes: 0 }): TrialOutcome {
  return { ok: false, wallMs: 0, records: 0, recordsKnown: false, bytes: 0, dirty: 0, splits: 0, usage, error };
}
