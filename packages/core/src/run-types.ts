/** Options and results of one sync run (`runJob`). */
import type { Logger } from './plugin.js';
import type { SerializedError } from './errors.js';

export interface RunOptions {
  /** Values for `${name}` placeholders (bizdate, ...). */
  params?: Record<string, string>;
  /** Folder that relative paths in the job resolve against (the job file's folder). */
  baseDir?: string;
  /** The job file, named in config errors. */
  source?: string;
  /** Folder for this run's log and dirty records; default `<runsDir>/<runId>`. */
  runDir?: string;
  /** Folder that holds one folder per run; default `ferry-runs` in the OS temp folder (the CLI uses `<store>/runs`). */
  runsDir?: string;
  /**
   * The embedder's built-in plugins: short name -> module (file URL, path or
   * package name). Core knows only its own (`generate`, `null`); the CLI adds
   * `mysql`, `httpfile` and `table`.
   */
  plugins?: Record<string, string>;
  /** Per plugin name, what the embedder gives that plugin as `ctx.settings` (the table writer's store folder and project). */
  settings?: Record<string, Record<string, unknown>>;
  /** Extra folders or file URLs to resolve plugin package names from. */
  resolveFrom?: string[];
  /**
   * The job's identity for saved incremental state (the CLI gives the job
   * file's path relative to the workspace or its name); default `source`.
   */
  job?: string;
  /** The writer block as the job file has it, when `rawJob` was substituted already (workflow nodes): it scopes saved state. */
  stateTemplate?: unknown;
  /** Ignore the saved incremental state: read from the start (or `start`) and save the new high-water mark. */
  fullRefresh?: boolean;
  /**
   * When set, an incremental job fails with this reason instead of running
   * (a backfill of a past date cannot use state that moved on since).
   */
  refuseState?: string;
  /** Runs the splits instead of this process's worker threads (the queue of `ferry worker` processes); the commit stays here. */
  channels?: import('./channel-task.js').ChannelRunner;
  /**
   * Record the run in its folder for `ferry runs` and a later resume
   * (resume.json, done.jsonl, result.json), and, when the writer can, keep
   * the staged data of the splits that finished if the run fails, is
   * cancelled or killed: for `retentionMs` (0: record only, keep nothing).
   */
  resumable?: { retentionMs: number };
  /**
   * Run only the unfinished splits of an earlier run of this job (its id,
   * or the latest run of the job and destination that did not succeed),
   * with the same plan and staged write, then commit everything at once.
   * Refused with the reason when that would be wrong. Needs `runsDir`.
   */
  resume?: { runId?: string };
  /** Called on the main thread as each split finishes (after it is recorded as done). */
  onSplitDone?: (done: SplitDone) => void;
  signal?: AbortSignal;
  log?: Logger;
  /** Called about every `progressIntervalMs` with live counters. */
  onProgress?: (p: Progress) => void;
  progressIntervalMs?: number;
  /**
   * How often a `progress:` line goes to the run log (and `log`); default
   * 10 s, or FERRY_PROGRESS_LOG_MS; 0 turns it off.
   */
  progressLogIntervalMs?: number;
  /** Resolves `${...}`/`$[...]` bodies that are not params (scheduling expressions). */
  expressions?: (body: string, bracket: '{' | '[') => string | undefined;
}

export interface Progress {
  elapsedMs: number;
  recordsRead: number;
  recordsWritten: number;
  bytesRead: number;
  dirtyRecords: number;
  splitsDone: number;
  splitsTotal: number;
  /** Records the job will read, when the reader knows up front (`estimateRecords`): gives % and ETA. */
  recordsTotal?: number;
}

/** A finished split, as `onSplitDone` reports it. */
export interface SplitDone {
  split: number;
  recordsRead: number;
  recordsWritten: number;
  bytesRead: number;
  dirty: number;
  /** Splits finished so far (kept ones of a resumed run included), of `splitsTotal`. */
  splitsDone: number;
  splitsTotal: number;
}

export interface DirtySample {
  /** Split the row came from and its position in that split. */
  split: number;
  row: number;
  column: string;
  reason: string;
  value: unknown;
  /** Where the row is in the source (file and line, table and key), when the reader says. */
  source?: import('./row-source.js').RowSource;
}

export interface RunResult {
  status: 'succeeded' | 'failed';
  runId: string;
  runDir: string;
  startedAt: string;
  endedAt: string;
  elapsedMs: number;
  recordsRead: number;
  recordsWritten: number;
  bytesRead: number;
  dirtyRecords: number;
  channels: number;
  splits: number;
  /** Where every dirty record was written (JSON Lines), when there were any. */
  dirtyFile?: string;
  dirtySamples: DirtySample[];
  /** Extra counters from plugins (e.g. invalidBytes) and the writer's commit figures. */
  counters: Record<string, number>;
  commit?: Record<string, unknown>;
  /** Incremental jobs: what was read (and, when it succeeded, saved). */
  state?: { job: string; reader: string; range: string; saved: boolean };
  error?: SerializedError & { code: string };
  /** A resumed run: the run it took over and what that run's finished splits had done (not counted in recordsRead/Written above). */
  resumed?: { runId: string; splits: number; recordsRead: number; recordsWritten: number; bytesRead: number; dirtyRecords: number };
  /** A failed or cancelled run whose finished splits were kept for a resume: how many, and until when. */
  kept?: { splits: number; until: string };
}
