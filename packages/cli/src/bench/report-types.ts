/** The result of `ferry bench`: what `--json` prints and the renderers draw. */
import type { MachineInfo } from './machine.js';
import type { Recommendation, SettingRow } from './stats.js';

/** The job, described without secrets (no configs, no param values). */
export interface JobSummary {
  /** The job file as given. */
  file: string;
  reader: string;
  writer: string;
  /** `null`: rows are read and dropped; `scratch`: written through the job's writer into a throwaway store. */
  target: 'null' | 'scratch';
  /** The destination table the scratch stores copy (`project.table`). */
  destination?: string;
  /** Names of the -p params given (values may be secrets). */
  params: string[];
  bizdate?: string;
}

/** One `--speed-records` limit at the recommended channel count. */
export interface SpeedRow {
  limit: number;
  channels: number;
  trials: number;
  /** Records per second at the median wall time. */
  recordsPerSec: number;
  /** recordsPerSec / limit: at most about 1 when the limit holds. */
  ratio: number;
  holds: boolean;
}

export interface BenchReport {
  ferryVersion: string;
  startedAt: string;
  endedAt: string;
  job: JobSummary;
  machine: MachineInfo;
  repeat: number;
  /** The warm-up trial (not in the figures): it also tells how many splits the reader makes. */
  warmup: { channels: number; wallMs: number; splits: number };
  /** The source's own ceiling, when the reader has a baseline hook. */
  baseline?: SettingRow;
  settings: SettingRow[];
  recommendation: Recommendation;
  speed?: SpeedRow[];
}
