/**
 * The bench itself: one warm-up trial (which also tells how many splits the
 * reader makes), then `repeat` rounds that each run the baseline and every
 * channel setting once, in the same order (1,2,4,1,2,4...), so drift of a
 * busy machine hits every setting alike. Every trial is a fresh process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, type ErrorCode, FerryError, type ReaderPlugin } from '@ferry/core';
import { resolvePlugin, substitute, validateJob } from '@ferry/core/engine';
import { resolveStoreDir } from '@ferry/writer-table';
import { BUILTIN_PLUGINS } from '../builtin-plugins.js';
import { expressionResolver } from '../run-support.js';
import { machineInfo } from './machine.js';
import type { BenchReport, JobSummary, SpeedRow } from './report-types.js';
import { createScratchTarget, type ScratchTarget } from './scratch.js';
import { compareWithBaseline, recommend, spread, summarize, type SettingRow } from './stats.js';
import { runTrialProcess, type TrialControl } from './trial-runner.js';
import type { TrialOutcome, TrialRequest } from './trial-types.js';

export interface BenchOptions {
  /** The job file as given (for the report). */
  file: string;
  /** The job object as read (data sources applied). */
  job: unknown;
  params: Record<string, string>;
  bizdate?: string;
  storeDir?: string;
  project: string;
  baseDir: string;
  /** Channel settings to try; default 1, 2, 4 and the core count, capped by the reader's splits. */
  channels?: number[];
  repeat: number;
  target: 'null' | 'scratch';
  /** `setting.speed.records` limits to check at the recommended channel count. */
  speedRecords?: number[];
  debug: boolean;
  ferryVersion: string;
  /** One line per trial, for the terminal. */
  progress?: (line: string) => void;
  control: TrialControl;
}

/** The default settings: 1, 2, 4 and the core count. */
export function defaultChannels(cores: number): number[] {
  return [...new Set([1, 2, 4, cores])].sort((a, b) => a - b);
}

type Raw = { reader?: unknown; writer?: unknown; setting?: Record<string, unknown> } & Record<string, unknown>;

/** The job as one trial runs it: channel count, writer and speed limit set. */
function trialJob(job: Raw, channels: number, target: 'null' | 'scratch', speedRecords?: number): unknown {
  const setting: Record<string, unknown> = { ...(job.setting ?? {}), channel: channels };
  if (speedRecords !== undefined) setting.speed = { ...((setting.speed as object | undefined) ?? {}), records: speedRecords };
  return { ...job, setting, ...(target === 'null' ? { writer: { plugin: 'null' } } : {}) };
}

/** Runs the whole bench; cleans up its scratch stores and temp folders on every path. */
export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  // Checked up front, so a mistake in the job is one error before any process starts.
  const resolved = validateJob(substitute(o.job, o.params, expressionResolver(o.bizdate)));
  const resolveOpts = { baseDir: o.baseDir, plugins: { ...BUILTIN_PLUGINS } };
  const reader: ReaderPlugin = (await resolvePlugin(resolved.reader.plugin, 'reader', resolveOpts)).plugin;
  const writer = (await resolvePlugin(resolved.writer.plugin, 'writer', resolveOpts)).plugin;
  const summary: JobSummary = { file: o.file, reader: reader.name, writer: writer.name, target: o.target, params: Object.keys(o.params), ...(o.bizdate ? { bizdate: o.bizdate } : {}) };
  const storeDir = resolveStoreDir(o.storeDir);
  let scratch: ScratchTarget | undefined;
  if (o.target === 'scratch') {
    if (writer.name !== 'table') throw new FerryError(ErrorCodes.USAGE, `--target scratch: only the table writer has a scratch destination; this job writes with "${writer.name}" (use --target null)`);
    const table = resolved.writer.table;
    if (typeof table !== 'string') throw new FerryError(ErrorCodes.CONFIG, 'writer.table: expected a table name');
    scratch = await createScratchTarget(storeDir, o.project, table);
    summary.destination = scratch.table;
  }
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  let trialNo = 0;
  const raw = o.job as Raw;

  const trial = async (kind: TrialRequest['kind'], label: string, channels: number, speed?: number): Promise<TrialOutcome> => {
    if (o.control.signal.aborted) throw new FerryError(ErrorCodes.ABORTED, 'the bench was stopped');
    const n = ++trialNo;
    const trialStore = kind === 'job' && scratch ? await scratch.prepare() : undefined;
    try {
      const req: TrialRequest = {
        kind,
        job: trialJob(raw, channels, o.target, speed),
        params: o.params,
        ...(o.bizdate ? { bizdate: o.bizdate } : {}),
        storeDir: trialStore ?? storeDir,
        project: o.project,
        baseDir: o.baseDir,
        runDir: join(work, `trial-${n}`),
        debug: o.debug,
      };
      const { outcome, stderr } = await runTrialProcess(req, o.control);
      if (o.debug && stderr.trim()) process.stderr.write(stderr);
      if (o.control.signal.aborted) throw new FerryError(ErrorCodes.ABORTED, 'the bench was stopped');
      if (!outcome.ok) {
        const e = outcome.error ?? { code: 'FERRY_ERR_INTERNAL', message: 'unknown failure' };
        const known = (Object.values(ErrorCodes) as string[]).includes(e.code);
        // A FerryError from the trial stays one (its exit code and one-line message); anything else is a bug and keeps its stack.
        const err = known ? new FerryError(e.code as ErrorCode, `${label} failed: ${e.message}`) : new Error(`${label} failed: ${e.message}`);
        if (e.stack) err.stack = e.stack;
        throw err;
      }
      o.progress?.(`${label}: ${(outcome.wallMs / 1000).toFixed(2)} s`);
      return outcome;
    } finally {
      if (trialStore) scratch!.release(trialStore);
    }
  };

  try {
    const cores = machine.cores;
    const candidates = o.channels ?? defaultChannels(cores);
    const warmChannels = Math.max(...candidates);
    const warm = await trial('job', `warm-up (${warmChannels} ch)`, warmChannels);
    // The default settings stop at the splits the reader offers: more channels than splits cannot run.
    const settings = o.channels ?? candidates.filter((c) => c <= Math.max(1, warm.splits));
    const samples = new Map<number, TrialOutcome[]>(settings.map((c) => [c, []]));
    const base: TrialOutcome[] = [];
    for (let r = 1; r <= o.repeat; r++) {
      const round = `round ${r}/${o.repeat}`;
      if (reader.baseline) base.push(await trial('baseline', `${round} baseline`, 1));
      for (const c of settings) samples.get(c)!.push(await trial('job', `${round} ${c} ch`, c));
    }
    const rows: SettingRow[] = settings.map((c) => summarize('job', samples.get(c)!, c));
    const baseline = base.length ? summarize('baseline', base) : undefined;
    compareWithBaseline(rows, baseline);
    const recommendation = recommend(rows, cores, machine.loadAtStart);
    const skipped = candidates.filter((c) => !settings.includes(c));
    if (skipped.length) {
      recommendation.notes.push(
        `${skipped.join(', ')} channels not run: the reader made ${warm.splits} split${warm.splits === 1 ? '' : 's'} at ${warmChannels} channels (how a reader splits is its setting: splitPk for mysql, splitSize and Range support for httpfile)`,
      );
    }
    let speed: SpeedRow[] | undefined;
    if (o.speedRecords?.length) {
      const runs = new Map<number, TrialOutcome[]>(o.speedRecords.map((l) => [l, []]));
      for (let r = 1; r <= o.repeat; r++) {
        for (const limit of o.speedRecords) runs.get(limit)!.push(await trial('job', `speed ${r}/${o.repeat} ${limit} records/s`, recommendation.channels, limit));
      }
      speed = o.speedRecords.map((limit) => {
        const ts = runs.get(limit)!;
        const wall = spread(ts.map((t) => t.wallMs)).median;
        const recordsPerSec = ts[0]!.records / Math.max(wall / 1000, 0.001);
        const ratio = recordsPerSec / limit;
        // The limiter is a token bucket: a short run may start with a burst, so allow 10%.
        return { limit, channels: recommendation.channels, trials: ts.length, recordsPerSec, ratio, holds: ratio <= 1.1 };
      });
    }
    return {
      ferryVersion: o.ferryVersion,
      startedAt,
      endedAt: new Date().toISOString(),
      job: summary,
      machine,
      repeat: o.repeat,
      warmup: { channels: warmChannels, wallMs: warm.wallMs, splits: warm.splits },
      ...(baseline ? { baseline } : {}),
      settings: rows,
      recommendation,
      ...(speed ? { speed } : {}),
    };
  } finally {
    scratch?.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}
