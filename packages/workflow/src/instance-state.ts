/**
 * Workflow instances and their node states, kept in the store's LMDB
 * metadata (`meta:workflow`, key `<env>/<workflow>/<bizdate>`), so `status`,
 * `logs` and reruns work after a restart and from another terminal. Every
 * change is a read-modify-write inside one synchronous LMDB write
 * transaction, which holds LMDB's writer lock across processes: two
 * processes can never both claim the same (workflow, node, bizdate).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { processAlive, processIdentity, type ProcessIdentity as ProcIdentity, type StateCatalog, type StateStore } from './state-store.js';

/** DataWorks instance states (frozen is not supported). */
export type NodeStateName = 'not run' | 'waiting' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** Who is running a node: one runWorkflowInstance call in a process on a host. */
export interface RunOwner {
  pid: number;
  host: string;
  run: string;
  /** Boot id and process start time, so a reused pid or a reboot is not taken for the owner. */
  proc?: ProcIdentity;
}

/** One node of one instance. */
export interface NodeRecord {
  state: NodeStateName;
  /** Why it is not run / failed / skipped. */
  reason?: string;
  /** ISO times of the latest execution (retries included). */
  startedAt?: string;
  endedAt?: string;
  /** Rows written by the latest successful run of a sync node. */
  rows?: number;
  /** The node's log file (every execution appends to it). */
  logPath?: string;
  /** The engine's folder of the latest attempt (its own run.log, dirty records). */
  runDir?: string;
  /** Runs in the latest execution (1 + retries used). */
  attempts?: number;
  /** Executions ever started (first run and reruns). */
  executions?: number;
  owner?: RunOwner;
}

/** One (environment, workflow, business date) instance. */
export interface InstanceRecord {
  env: string;
  workflow: string;
  bizdate: string;
  /** Scheduled time T, `yyyymmddhh24miss`. */
  cyctime: string;
  /** What started it last: run, backfill, rerun, scheduler. */
  trigger: string;
  createdAt: string;
  updatedAt: string;
  nodes: Record<string, NodeRecord>;
}

/** Run ids of this process that are still running. */
const liveRuns = new Set<string>();

/** A new owner for one runWorkflowInstance call; call `release` when it ends. */
export function newOwner(): { owner: RunOwner; release: () => void } {
  const owner: RunOwner = { pid: process.pid, host: hostname(), run: randomBytes(6).toString('hex'), proc: processIdentity() };
  liveRuns.add(owner.run);
  return { owner, release: () => liveRuns.delete(owner.run) };
}

/** Whether the run that owns a node may still be going (owners on other hosts are assumed live). */
export function ownerLive(owner: RunOwner | undefined): boolean {
  if (!owner) return false;
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return liveRuns.has(owner.run);
  return processAlive(owner.pid, owner.proc);
}

/**
 * The state to show: a node left `running` or `waiting` by a process that
 * is gone was interrupted (failed, or not run if it never started).
 */
export function effectiveNode(rec: NodeRecord): NodeRecord {
  if ((rec.state === 'running' || rec.state === 'waiting') && !ownerLive(rec.owner)) {
    const who = rec.owner ? `process ${rec.owner.pid} on ${rec.owner.host} stopped` : 'its process stopped';
    return rec.state === 'running' ? { ...rec, state: 'failed', reason: `interrupted: ${who} while it ran` } : { ...rec, state: 'not run', reason: `interrupted: ${who} before it started` };
  }
  return rec;
}

/** An instance with interrupted nodes shown as such. */
export function effectiveInstance(rec: InstanceRecord): InstanceRecord {
  return { ...rec, nodes: Object.fromEntries(Object.entries(rec.nodes).map(([k, v]) => [k, effectiveNode(v)])) };
}

/** The key of an instance. */
export const instanceKey = (env: string, workflow: string, bizdate: string) => `${env}/${workflow}/${bizdate}`;

/** The instance store of one store folder. */
export class InstanceState {
  private readonly db: StateCatalog;
  constructor(private readonly store: StateStore) {
    this.db = store.catalog('workflow');
  }

  /** The instance as recorded (without interruption applied), or undefined. */
  get(env: string, workflow: string, bizdate: string): InstanceRecord | undefined {
    return this.db.get(instanceKey(env, workflow, bizdate)) as InstanceRecord | undefined;
  }

  /** The instances of a workflow in an environment, by business date. */
  list(env: string, workflow: string): InstanceRecord[] {
    const prefix = `${env}/${workflow}/`;
    return [...this.db.getRange({ start: prefix, end: `${env}/${workflow}0` })].map((e) => e.value as InstanceRecord);
  }

  /**
   * Claims the nodes in `scope` for `owner`, all or none: creates the
   * instance if new (nodes outside the scope of a new instance are
   * `skipped`; an existing instance keeps its cyctime when `keepCyctime`),
   * sets the claimed nodes to `waiting`. Returns the names of
   * nodes another live run holds instead, when any (nothing is changed).
   */
  claim(
    info: { env: string; workflow: string; bizdate: string; cyctime: string; keepCyctime?: boolean; trigger: string; nodes: string[] },
    scope: string[],
    owner: RunOwner,
    logPathOf: (node: string) => string,
  ): { busy: { node: string; owner: RunOwner }[]; record: InstanceRecord } {
    const key = instanceKey(info.env, info.workflow, info.bizdate);
    return this.store.transaction(() => {
      const now = new Date().toISOString();
      const cur = this.db.get(key) as InstanceRecord | undefined;
      const busy: { node: string; owner: RunOwner }[] = [];
      for (const n of scope) {
        const rec = cur?.nodes[n];
        if (rec && (rec.state === 'running' || rec.state === 'waiting') && ownerLive(rec.owner)) busy.push({ node: n, owner: rec.owner! });
      }
      if (busy.length > 0) return { busy, record: cur! };
      const nodes: Record<string, NodeRecord> = {};
      for (const n of info.nodes) {
        const prev = cur?.nodes[n];
        if (scope.includes(n)) {
          nodes[n] = { state: 'waiting', logPath: logPathOf(n), executions: (prev?.executions ?? 0) + 1, owner };
        } else if (prev) {
          nodes[n] = effectiveNode(prev);
        } else {
          nodes[n] = { state: 'skipped', reason: 'not selected in this run' };
        }
      }
      const record: InstanceRecord = {
        env: info.env,
        workflow: info.workflow,
        bizdate: info.bizdate,
        cyctime: info.keepCyctime && cur ? cur.cyctime : info.cyctime,
        trigger: info.trigger,
        createdAt: cur?.createdAt ?? now,
        updatedAt: now,
        nodes,
      };
      this.db.putSync(key, record);
      return { busy, record };
    });
  }

  /** Changes one node of an instance (only while `owner` holds it). */
  updateNode(env: string, workflow: string, bizdate: string, node: string, owner: RunOwner, patch: Partial<NodeRecord>, clear: (keyof NodeRecord)[] = []): void {
    const key = instanceKey(env, workflow, bizdate);
    this.store.transaction(() => {
      const cur = this.db.get(key) as InstanceRecord | undefined;
      const rec = cur?.nodes[node];
      if (!cur || !rec || rec.owner?.run !== owner.run) return;
      const next: NodeRecord = { ...rec, ...patch };
      for (const k of clear) delete next[k];
      this.db.putSync(key, { ...cur, updatedAt: new Date().toISOString(), nodes: { ...cur.nodes, [node]: next } });
    });
  }
}
