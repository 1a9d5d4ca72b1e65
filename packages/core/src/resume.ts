/**
 * Resuming a run (`runJob(job, { resume })`): which earlier run to take
 * over, and the refusals when that would be wrong. A resume runs the
 * unfinished splits of the same plan into the same staged write, so it
 * refuses when the job, its parameters, the destination or the columns
 * changed; the writer refuses on its own when its staged data is gone or
 * the destination was written since.
 */
import { join } from 'node:path';
import { ErrorCodes, FerryError } from './errors.js';
import { hashOf, listRunRecords, notResumable, readRunRecord, type ResumeRecord, type RunRecord } from './run-record.js';

/** What identifies a run's job: hashes, so the record holds no secret of the job. */
export interface RunIdentity {
  job: string;
  params: Record<string, string>;
  settings: string;
}

export function runIdentity(job: unknown, params: Record<string, string>, settings: unknown): RunIdentity {
  return { job: hashOf(job), params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, hashOf(v)])), settings: hashOf(settings ?? {}) };
}

const refuse = (runId: string, why: string) => new FerryError(ErrorCodes.USAGE, `cannot resume run ${runId}: ${why}`);

/**
 * The run to resume: `runId`, or the latest run of `job` into `destination`
 * (else of `job` at all, so a changed job is named as the reason). Throws
 * with the reason when there is none or it cannot be resumed.
 */
export function findRunToResume(runsDir: string, runId: string | undefined, job: string, destination: string): RunRecord & { resume: ResumeRecord } {
  let run: RunRecord | undefined;
  if (runId !== undefined) {
    if (!/^[\w.-]+$/.test(runId)) throw new FerryError(ErrorCodes.USAGE, `--resume ${runId}: expected a run id as \`ferry runs list\` shows it`);
    run = readRunRecord(join(runsDir, runId), runId);
    if (!run) throw new FerryError(ErrorCodes.NOT_FOUND, `no run ${runId} in ${runsDir} (\`ferry runs list\` shows the runs)`);
    if (!run.resume) throw refuse(runId, notResumable(run) ?? 'it has no run record');
    if (run.resume.job !== job) throw refuse(runId, `it ran job ${run.resume.job}, not ${job}`);
  } else {
    const ofJob = listRunRecords(runsDir).filter((r) => r.resume?.job === job);
    // A run that was resumed hands over to the run that resumed it.
    const latest = ofJob.filter((r) => r.resume?.destination === destination && !r.resumedBy)[0] ?? ofJob.filter((r) => !r.resumedBy)[0];
    if (!latest) throw new FerryError(ErrorCodes.NOT_FOUND, `no run of job ${job} to resume in ${runsDir} (\`ferry runs list\` shows the runs)`);
    run = latest;
  }
  const why = notResumable(run);
  if (why) throw refuse(run.runId, why);
  return run as RunRecord & { resume: ResumeRecord };
}

/** Refuses when the job, its parameters, its settings, its destination or its columns are not those of the run. */
export function checkSameJob(run: RunRecord & { resume: ResumeRecord }, now: { identity: RunIdentity; destination: string; plan: string; reader: string; writer: string }): void {
  const r = run.resume;
  const again = 'run the job without --resume';
  if (r.reader !== now.reader || r.writer !== now.writer) throw refuse(run.runId, `it ran ${r.reader} -> ${r.writer}, the job now runs ${now.reader} -> ${now.writer}; ${again}`);
  const names = new Set([...Object.keys(r.identity.params), ...Object.keys(now.identity.params)]);
  const changed = [...names].filter((n) => r.identity.params[n] !== now.identity.params[n]).sort();
  if (changed.length)
    throw refuse(run.runId, `parameter${changed.length > 1 ? 's' : ''} ${changed.join(', ')} differ${changed.length > 1 ? '' : 's'} from that run's; give the same values, or ${again}`);
  if (r.identity.job !== now.identity.job) throw refuse(run.runId, `the job file (or a data source it names) changed since it started; the kept splits would not match the job: ${again}`);
  if (r.identity.settings !== now.identity.settings || r.destination !== now.destination) throw refuse(run.runId, `it wrote to another destination (store, project, table or partition); ${again}`);
  if (r.plan !== now.plan) throw refuse(run.runId, `the source or destination columns changed since it started; ${again}`);
}
