/**
 * What the scheduler has triggered, kept in the store's LMDB metadata
 * (`meta:scheduler`, key `<env>/<workflow>/<cyctime>`). A record is created by an
 * atomic claim inside one LMDB write transaction, so however many scheduler
 * processes share the store, and across restarts, one (workflow, cyctime)
 * is triggered once.
 */
import { hostname } from 'node:os';
import { cycleTimesForCyctime } from '@ferry/core';
import { processAlive, type StateStore } from './state-store.js';

/** Who triggered an instance: a scheduler in a process on a host. */
export interface TriggerOwner {
  pid: number;
  host: string;
  /** Random id of one startScheduler call (several may share a process). */
  scheduler: string;
}

export type TriggerStatus = 'running' | 'succeeded' | 'failed';

/** One triggered instance. */
export interface TriggerRecord {
  workflow: string;
  /** T, `yyyymmddhh24miss` in the workspace zone. */
  cyctime: string;
  /** B, `yyyymmdd`. */
  bizdate: string;
  /** ISO instant it was due. */
  scheduledAt: string;
  status: TriggerStatus;
  owner: TriggerOwner;
  /** ISO instant of the claim (the trigger). */
  claimedAt: string;
  endedAt?: string;
  /** Why it failed. */
  error?: string;
}

/** Details stored with a claim. */
export interface ClaimInfo {
  bizdate: string;
  scheduledAt: Date;
  owner: TriggerOwner;
  /** The claim time; default the real clock. */
  at?: Date;
}

/** The scheduler's persistent memory of triggered instances. */
export interface SchedulerState {
  /**
   * Atomically records (workflow, cyctime) as triggered by `info.owner`
   * (default: this process, now); false when it was claimed before (by
   * anyone, ever).
   */
  claim(workflow: string, cyctime: string, info?: Partial<ClaimInfo>): Promise<boolean>;
  /** Records the end of a claimed instance (only the owner's own claim changes). */
  finish(workflow: string, cyctime: string, owner: TriggerOwner, status: 'succeeded' | 'failed', error?: string): Promise<void>;
  /** The latest triggered instance of `workflow`, by cyctime. */
  lastTriggered(workflow: string): Promise<TriggerRecord | undefined>;
  /** Every record of `workflow` (or all of this environment), in (workflow, cyctime) order. */
  list(workflow?: string): Promise<TriggerRecord[]>;
  /**
   * Marks `running` records whose owner is gone as failed (the instance was
   * interrupted and can be rerun); returns them.
   */
  recoverInterrupted(isOwnerLive: (owner: TriggerOwner) => boolean, at?: Date): Promise<TriggerRecord[]>;
}

/**
 * The LMDB implementation, in the state store's `scheduler` catalog. `env` keeps the
 * instances of each environment apart (a dev and a prod scheduler do not
 * share claims).
 */
export function lmdbSchedulerState(store: StateStore, env = 'default'): SchedulerState {
  const db = store.catalog('scheduler');
  const key = (workflow: string, cyctime: string) => `${env}/${workflow}/${cyctime}`;
  // Keys of a workflow sort in ['<env>/<wf>/', '<env>/<wf>0'): '0' follows '/'; cyctime is fixed width, so key order is time order.
  const range = (workflow?: string) => (workflow === undefined ? { start: `${env}/`, end: `${env}0` } : { start: `${env}/${workflow}/`, end: `${env}/${workflow}0` });
  return {
    async claim(workflow, cyctime, info = {}) {
      const k = key(workflow, cyctime);
      const at = info.at ?? new Date();
      // A synchronous write transaction holds LMDB's writer lock across processes: read-then-put is atomic.
      return store.transaction(() => {
        if (db.get(k) !== undefined) return false;
        const rec: TriggerRecord = {
          workflow,
          cyctime,
          bizdate: info.bizdate ?? cycleTimesForCyctime(cyctime).bizdate,
          scheduledAt: (info.scheduledAt ?? at).toISOString(),
          status: 'running',
          owner: info.owner ?? { pid: process.pid, host: hostname(), scheduler: 'manual' },
          claimedAt: at.toISOString(),
        };
        db.putSync(k, rec);
        return true;
      });
    },
    async finish(workflow, cyctime, owner, status, error) {
      const k = key(workflow, cyctime);
      store.transaction(() => {
        const rec = db.get(k) as TriggerRecord | undefined;
        if (!rec || rec.owner.scheduler !== owner.scheduler || rec.status !== 'running') return;
        db.putSync(k, { ...rec, status, endedAt: new Date().toISOString(), ...(error ? { error } : {}) } satisfies TriggerRecord);
      });
    },
    async lastTriggered(workflow) {
      const r = range(workflow);
      for (const { value } of db.getRange({ start: r.end, end: r.start, reverse: true, limit: 1 })) return value as TriggerRecord;
      return undefined;
    },
    async list(workflow) {
      return [...db.getRange(range(workflow))].map((e) => e.value as TriggerRecord);
    },
    async recoverInterrupted(isOwnerLive, at = new Date()) {
      const gone = [...db.getRange(range())].map((e) => e.value as TriggerRecord).filter((r) => r.status === 'running' && !isOwnerLive(r.owner));
      const out: TriggerRecord[] = [];
      store.transaction(() => {
        for (const r of gone) {
          const k = key(r.workflow, r.cyctime);
          const cur = db.get(k) as TriggerRecord | undefined;
          if (!cur || cur.status !== 'running' || cur.owner.scheduler !== r.owner.scheduler) continue;
          const failed: TriggerRecord = {
            ...cur,
            status: 'failed',
            endedAt: at.toISOString(),
            error: `interrupted: scheduler process ${cur.owner.pid} on ${cur.owner.host} stopped while it ran`,
          };
          db.putSync(k, failed);
          out.push(failed);
        }
      });
      return out;
    },
  };
}

/** Scheduler ids running in this process. */
const liveSchedulers = new Set<string>();

/** @internal marks a scheduler of this process as running or stopped. */
export function setSchedulerLive(id: string, live: boolean): void {
  if (live) liveSchedulers.add(id);
  else liveSchedulers.delete(id);
}

/**
 * Whether the scheduler that owns a claim may still be running: one of this
 * process's live schedulers, or a live pid on this host. Owners on other
 * hosts are assumed live (their pids mean nothing here).
 */
export function isOwnerLive(owner: TriggerOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return liveSchedulers.has(owner.scheduler);
  return processAlive(owner.pid);
}
