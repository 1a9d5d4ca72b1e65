/**
 * The long-running scheduler: sleeps until the next planned instance (waking
 * at least every minute, so clock jumps and slow sleeps are caught), claims
 * it atomically in the scheduler state and triggers it.
 *
 * Catch-up policy, as DataWorks: instances whose time passed while no
 * scheduler ran are NOT triggered on start (the plan starts at the start
 * time); run them with `ferry workflow backfill`. An instance that was
 * running when its scheduler died is marked failed on the next start and
 * can be rerun. Instances that fall due while the scheduler runs are
 * triggered even when late (a suspended machine, a busy loop). Instances of
 * one workflow run one after another: a late one waits for the previous.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { silentLogger, type CycleTimes, type Logger } from '@ferry/core';
import { checkCron, checkTimeZone, formatInZone, nextInstance, planInstances, type PlannedInstance, type ScheduledWorkflow } from './schedule.js';
import { isOwnerLive, setSchedulerLive, type SchedulerState, type TriggerOwner } from './scheduler-state.js';
import { abortableSleep } from './sleep.js';

/** The times an instance runs with, and the instant it was due. */
export type InstanceTimes = CycleTimes & { scheduledAt: Date };

export interface SchedulerOptions {
  workflows: ScheduledWorkflow[];
  /**
   * Runs one workflow instance (it records its node states itself). Resolve
   * when it finished; reject, or resolve to `{ ok: false }`, when it failed.
   * `signal` aborts when the scheduler stops.
   */
  runInstance(workflow: string, times: InstanceTimes, signal: AbortSignal): Promise<unknown>;
  state: SchedulerState;
  /** Stops the loop; in-flight instances get their signal aborted and are awaited. */
  signal: AbortSignal;
  /** The clock; default the real one. */
  now?: () => Date;
  /** Waits `ms` or until `signal` aborts; default setTimeout. Tests pass a fake timeline. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  log?: Logger;
  /** Longest sleep between checks; default 60 s. */
  maxSleepMs?: number;
}

/** What one scheduler run did. */
export interface SchedulerSummary {
  /** Instances this scheduler claimed and triggered, in order. */
  triggered: PlannedInstance[];
  /** Instances due that another scheduler (or an earlier run) had already claimed. */
  skipped: PlannedInstance[];
  /** Interrupted instances of dead schedulers marked failed on start. */
  recovered: number;
}

/** How far ahead to look for the next instance; a schedule with none in this window is checked again each wake. */
const HORIZON_MS = 400 * 86_400_000;

const failedResult = (v: unknown) => typeof v === 'object' && v !== null && (v as { ok?: unknown }).ok === false;

/** `failed nodes: a, b` from a runner result that lists node states, else a generic reason. */
function failedNodes(result: unknown): string {
  const nodes = (result as { nodes?: Record<string, { state?: string }> }).nodes;
  const failed = nodes
    ? Object.entries(nodes)
        .filter(([, n]) => n?.state === 'failed')
        .map(([k]) => k)
    : [];
  return failed.length > 0 ? `failed nodes: ${failed.join(', ')}` : 'a node failed';
}

/**
 * Runs the scheduler until `opts.signal` aborts; resolves after in-flight
 * instances have finished (they see the abort) and been recorded.
 */
export async function startScheduler(opts: SchedulerOptions): Promise<SchedulerSummary> {
  const { workflows, state, signal } = opts;
  const now = opts.now ?? (() => new Date());
  const sleep = opts.sleep ?? abortableSleep;
  const log = opts.log ?? silentLogger;
  const maxSleep = opts.maxSleepMs ?? 60_000;
  // Times in log lines read on the workspace's wall clock, as its status tables do.
  const zone = workflows[0]?.timezone;
  const inZone = (d: Date) => (zone ? formatInZone(d, zone) : d.toISOString());
  for (const wf of workflows) {
    checkTimeZone(wf.timezone);
    checkCron(wf.name, wf.cron);
  }
  const owner: TriggerOwner = { pid: process.pid, host: hostname(), scheduler: randomBytes(6).toString('hex') };
  const summary: SchedulerSummary = { triggered: [], skipped: [], recovered: 0 };
  const running = new Set<Promise<void>>();
  // One lane per workflow: an instance due while the previous one still runs waits for it (DataWorks: waiting for resources).
  const lanes = new Map<string, Promise<void>>();
  const runCtl = new AbortController();
  const onAbort = () => runCtl.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  setSchedulerLive(owner.scheduler, true);

  try {
    const recovered = await state.recoverInterrupted(isOwnerLive, now());
    summary.recovered = recovered.length;
    for (const r of recovered)
      log.warn(`${r.workflow} instance ${r.cyctime} (bizdate ${r.bizdate}) was interrupted (scheduler pid ${r.owner.pid} is gone): marked failed; rerun it with ferry workflow rerun`);

    let cursor = now();
    log.info(
      `scheduler started (pid ${owner.pid}) for ${workflows.map((w) => `${w.name} "${w.cron}" ${w.timezone}`).join(', ') || 'no workflows'}; instances due before ${inZone(cursor)} are not run (use ferry workflow backfill)`,
    );

    // The first instance at or after the cursor; planning is only needed once the clock reaches it.
    let next = nextInstance(workflows, cursor, HORIZON_MS);
    while (!signal.aborted) {
      const t = now();
      // A clock that went back plans nothing until it passes the cursor again; claims make a replay harmless anyway.
      if (t >= cursor) {
        const upTo = new Date(t.getTime() + 1);
        if (!next || next.scheduledAt < upTo) {
          for (const inst of planInstances(workflows, cursor, upTo)) {
            if (signal.aborted) break;
            await trigger(inst);
          }
          cursor = upTo;
          next = nextInstance(workflows, cursor, HORIZON_MS);
        } else {
          cursor = upTo;
        }
      }
      if (signal.aborted) break;
      const wait = next ? Math.min(maxSleep, Math.max(0, next.scheduledAt.getTime() - now().getTime())) : maxSleep;
      await sleep(wait, signal);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!runCtl.signal.aborted) runCtl.abort(new Error('scheduler stopped'));
    await Promise.allSettled([...running]);
    setSchedulerLive(owner.scheduler, false);
    log.info(`scheduler stopped (pid ${owner.pid})`);
  }
  return summary;

  async function trigger(inst: PlannedInstance): Promise<void> {
    const claimed = await state.claim(inst.workflow, inst.cyctime, { bizdate: inst.bizdate, scheduledAt: inst.scheduledAt, owner, at: now() });
    if (!claimed) {
      summary.skipped.push(inst);
      log.debug(`${inst.workflow} instance ${inst.cyctime} was already triggered; not again`);
      return;
    }
    summary.triggered.push(inst);
    log.info(`trigger ${inst.workflow} instance ${inst.cyctime} (bizdate ${inst.bizdate}, due ${inZone(inst.scheduledAt)})`);
    const times: InstanceTimes = { bizdate: inst.bizdate, cyctime: inst.cyctime, scheduledAt: inst.scheduledAt };
    const previous = lanes.get(inst.workflow);
    const run = (async () => {
      if (previous) {
        log.info(`${inst.workflow} instance ${inst.cyctime} waits for the previous instance to finish`);
        await previous;
      }
      let status: 'succeeded' | 'failed' = 'succeeded';
      let error: string | undefined;
      try {
        if (runCtl.signal.aborted) throw new Error('it had not started');
        const result = await opts.runInstance(inst.workflow, times, runCtl.signal);
        if (failedResult(result)) {
          status = 'failed';
          error = failedNodes(result);
        }
      } catch (err) {
        status = 'failed';
        error = runCtl.signal.aborted ? `interrupted: scheduler stopped (${(err as Error)?.message ?? String(err)})` : ((err as Error)?.message ?? String(err));
      }
      try {
        await state.finish(inst.workflow, inst.cyctime, owner, status, error);
      } catch (err) {
        log.warn(`could not record the end of ${inst.workflow} instance ${inst.cyctime}: ${(err as Error).message}`);
      }
      if (status === 'succeeded') log.info(`${inst.workflow} instance ${inst.cyctime} succeeded`);
      else log.warn(`${inst.workflow} instance ${inst.cyctime} failed: ${error}`);
    })();
    running.add(run);
    lanes.set(inst.workflow, run);
    void run.finally(() => {
      running.delete(run);
      if (lanes.get(inst.workflow) === run) lanes.delete(inst.workflow);
    });
  }
}
