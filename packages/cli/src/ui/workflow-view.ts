/**
 * What `ferry ui` shows of the workspace's workflows: their graphs with
 * lineage, schedules and next runs, their instances, and each node's log and
 * run summary. Everything comes from the workflow layer's own functions
 * (loadWorkspace, listInstances, nextInstance) and the files its runs write;
 * nothing here decides a state.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { describeRowSource, ErrorCodes, FerryError, formatByteRate, formatBytes } from '@ferry/core';
import { type RunResult } from '@ferry/core/engine';
import { RUN_RESULT_FILE } from '@ferry/core/engine';
import { formatInZone, listInstances, nextInstance, readInstance, requireNode, requireWorkflow, type Workspace } from '@ferry/workflow';
import { readDirty, resolveLines } from '../dirty-records.js';
import { seconds } from '../format.js';

/** One node of a workflow graph. */
export interface GraphNode {
  name: string;
  type: string;
  /** Parents, lineage-derived ones included. */
  depends: string[];
  /** Parents that table lineage added (not in `depends` of ferry.yaml). */
  lineage: string[];
  reads: string[];
  writes: string[];
  /** A sync node's source (`datasource.table`, `plugin:path`: never a URL). */
  sources: string[];
  retries: number;
}

/** A workflow as the page draws it. */
export interface WorkflowView {
  name: string;
  cron?: string;
  timezone: string;
  /** The next scheduled instance, wall clock in the workspace zone with its offset. */
  next?: { at: string; bizdate: string };
  nodes: GraphNode[];
}

const NEXT_HORIZON_MS = 400 * 86_400_000;

/** Every workflow of the workspace with its graph, schedule and next run after `now`. */
export function workflowsView(ws: Workspace, now = new Date()): WorkflowView[] {
  return Object.values(ws.workflows).map((wf) => {
    const nodes = wf.order.map((n): GraphNode => {
      const node = wf.nodes[n]!;
      const l = wf.lineage?.[n] ?? { reads: [], writes: [], sources: [], derived: [] };
      return { name: n, type: node.type, depends: node.depends, lineage: l.derived, reads: l.reads, writes: l.writes, sources: l.sources, retries: node.retries };
    });
    const view: WorkflowView = { name: wf.name, timezone: ws.timezone, nodes };
    if (wf.schedule) {
      view.cron = wf.schedule.cron;
      const next = nextInstance([{ name: wf.name, cron: wf.schedule.cron, timezone: ws.timezone }], now, NEXT_HORIZON_MS);
      if (next) view.next = { at: formatInZone(next.scheduledAt, ws.timezone), bizdate: next.bizdate };
    }
    return view;
  });
}

/** One node of an instance, as the page lists it. */
export interface NodeRow {
  name: string;
  state: string;
  reason?: string;
  /** Wall clock in the workspace zone. */
  start?: string;
  end?: string;
  durationMs?: number;
  /** `durationMs` as people read it. */
  duration?: string;
  rows?: number;
  /** Automatic retries used in the latest execution. */
  retries: number;
  executions: number;
  hasLog: boolean;
  hasSummary: boolean;
}

/** One instance (business date) of a workflow. */
export interface InstanceView {
  bizdate: string;
  cyctime: string;
  trigger: string;
  updatedAt: string;
  nodes: NodeRow[];
}

const inZone = (iso: string | undefined, tz: string) => (iso ? formatInZone(new Date(iso), tz) : undefined);

/** The instances of a workflow in `env`, newest business date first, nodes in run order. */
export async function instancesView(ws: Workspace, env: string, workflow: string): Promise<InstanceView[]> {
  const wf = requireWorkflow(ws, workflow);
  const all = await listInstances(ws, env, workflow);
  return all.reverse().map((inst) => ({
    bizdate: inst.bizdate,
    cyctime: inst.cyctime,
    trigger: inst.trigger,
    updatedAt: inZone(inst.updatedAt, ws.timezone)!,
    nodes: [...wf.order, ...Object.keys(inst.nodes).filter((n) => !wf.order.includes(n))].flatMap((n): NodeRow[] => {
      const r = inst.nodes[n];
      if (!r) return [];
      const running = r.state === 'running' && r.startedAt;
      const end = r.endedAt ?? (running ? new Date().toISOString() : undefined);
      return [
        {
          name: n,
          state: r.state,
          ...(r.reason ? { reason: r.reason } : {}),
          ...(r.startedAt ? { start: inZone(r.startedAt, ws.timezone) } : {}),
          ...(r.endedAt ? { end: inZone(r.endedAt, ws.timezone) } : {}),
          ...(r.startedAt && end ? { durationMs: Date.parse(end) - Date.parse(r.startedAt), duration: seconds(Date.parse(end) - Date.parse(r.startedAt)) } : {}),
          ...(r.rows !== undefined ? { rows: r.rows } : {}),
          retries: Math.max(0, (r.attempts ?? 1) - 1),
          executions: r.executions ?? 0,
          hasLog: Boolean(inside(ws, r.logPath) && existsSync(r.logPath!)),
          hasSummary: Boolean(inside(ws, r.runDir) && existsSync(join(r.runDir!, RUN_RESULT_FILE))),
        },
      ];
    }),
  }));
}

/** A path the store recorded, when it lies in the workspace's store folder (anything else is not shown). */
function inside(ws: Workspace, path: string | undefined): string | undefined {
  if (!path) return undefined;
  const abs = resolve(path);
  return abs.startsWith(resolve(ws.storeDir) + sep) ? abs : undefined;
}

async function nodeRecord(ws: Workspace, env: string, workflow: string, bizdate: string, node: string) {
  requireNode(requireWorkflow(ws, workflow), node);
  const rec = (await readInstance(ws, env, workflow, bizdate))?.nodes[node];
  if (!rec) throw new FerryError(ErrorCodes.NOT_FOUND, `${workflow} has no node ${node} for bizdate ${bizdate} in ${env}`);
  return rec;
}

/** How much of a log one answer carries at most; a longer log starts with its tail. */
const LOG_CHUNK = 512 * 1024;

/** A piece of a node log, from byte `offset`; `size` is where the next poll starts. */
export interface LogPiece {
  state: string;
  text: string;
  offset: number;
  size: number;
  /** The log's start was left out (it was longer than one answer). */
  skipped: boolean;
}

/** The node's log from `offset` (the whole log, or its tail when long), with the node's state for live following. */
export async function nodeLog(ws: Workspace, env: string, workflow: string, bizdate: string, node: string, offset = 0): Promise<LogPiece> {
  const rec = await nodeRecord(ws, env, workflow, bizdate, node);
  const path = inside(ws, rec.logPath);
  if (!path || !existsSync(path)) return { state: rec.state, text: '', offset: 0, size: 0, skipped: false };
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let from = offset > size ? 0 : offset;
    const skipped = size - from > LOG_CHUNK;
    if (skipped) from = size - LOG_CHUNK;
    const buf = Buffer.alloc(size - from);
    const n = buf.length ? readSync(fd, buf, 0, buf.length, from) : 0;
    // Whole lines only: a line being written is sent with the next poll.
    const end = from + n === size && rec.state === 'running' ? buf.lastIndexOf(10, n - 1) + 1 : n;
    return { state: rec.state, text: buf.subarray(0, end).toString('utf8'), offset: from, size: from + end, skipped };
  } finally {
    closeSync(fd);
  }
}

/** What the engine's run summary says, as the page shows it. */
export interface SummaryView {
  status: string;
  startedAt: string;
  endedAt: string;
  elapsedMs: number;
  recordsRead: number;
  recordsWritten: number;
  bytesRead: number;
  /** `bytesRead` and `elapsedMs` as people read them. */
  bytes: string;
  elapsed: string;
  speed: string;
  recordsPerSec: number;
  dirtyRecords: number;
  channels: number;
  splits: number;
  error?: string;
  counters: Record<string, number>;
  /** The first dirty records: where, why, the record as read. */
  dirty: { where: string; reason: string; record: string }[];
}

/** The run summary (result.json) of the node's latest attempt, or undefined when it has none (virtual and sql nodes). */
export async function nodeSummary(ws: Workspace, env: string, workflow: string, bizdate: string, node: string, dirtyRows = 5): Promise<SummaryView | undefined> {
  const rec = await nodeRecord(ws, env, workflow, bizdate, node);
  const dir = inside(ws, rec.runDir);
  if (!dir || !existsSync(join(dir, RUN_RESULT_FILE))) return undefined;
  const r = JSON.parse(readFileSync(join(dir, RUN_RESULT_FILE), 'utf8')) as RunResult;
  const dirty = await readDirty(join(dir, 'dirty.jsonl'), dirtyRows);
  await resolveLines(dirty);
  return {
    status: r.status,
    startedAt: inZone(r.startedAt, ws.timezone)!,
    endedAt: inZone(r.endedAt, ws.timezone) ?? '',
    elapsedMs: r.elapsedMs,
    recordsRead: r.recordsRead,
    recordsWritten: r.recordsWritten,
    bytesRead: r.bytesRead,
    bytes: formatBytes(r.bytesRead),
    elapsed: seconds(r.elapsedMs),
    speed: formatByteRate(r.bytesRead, r.elapsedMs),
    recordsPerSec: Math.round(r.recordsRead / Math.max(r.elapsedMs / 1000, 0.001)),
    dirtyRecords: r.dirtyRecords,
    channels: r.channels,
    splits: r.splits,
    ...(r.error ? { error: r.error.message } : {}),
    counters: r.counters ?? {},
    dirty: dirty.map((d) => ({ where: d.source ? describeRowSource(d.source) : `split ${d.split} row ${d.row}`, reason: d.reason, record: JSON.stringify(d.record) })),
  };
}
