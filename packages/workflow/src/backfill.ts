/**
 * Backfill: one instance per business date in [from, to] (both inclusive), ascending by
 * default, `parallel` dates at once. Each instance behaves as the one
 * scheduled on its date + 1 at the workflow's time of day. After a failed
 * date no new date starts (dates in flight finish) unless `continueOnFailure`.
 * The same (workflow, node, bizdate) never runs twice at once: dates are
 * distinct, and node claims in the store refuse a node another run holds.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import { parseBizdate } from './bizdate.js';
import { descendantsOf } from './dag.js';
import { runWorkflowInstance, type InstanceResult, type InstanceRunOptions } from './runner.js';
import { requireNode, requireWorkflow, type Workspace } from './workspace.js';

export interface BackfillOptions extends Omit<InstanceRunOptions, 'nodes' | 'gate' | 'trigger'> {
  from: string;
  to: string;
  /** Dates run at once (default 1). */
  parallel?: number;
  /** Newest date first. */
  descending?: boolean;
  /** Only this node... */
  node?: string;
  /** ...and its descendants. */
  downstream?: boolean;
  /** Keep starting dates after one failed. */
  continueOnFailure?: boolean;
  /** Called when a date starts and when it ends. */
  onDate?: (bizdate: string, result?: InstanceResult, error?: Error) => void;
}

export interface BackfillResult {
  ok: boolean;
  /** Finished dates, in the order they finished. */
  instances: InstanceResult[];
  /** Dates that failed to start (another run held a node...). */
  errors: { bizdate: string; message: string }[];
  /** Dates not started because an earlier date failed. */
  notStarted: string[];
}

/** Business dates from `from` to `to`, both inclusive (`yyyymmdd` or `yyyy-mm-dd`), as `yyyymmdd`. */
export function dateRange(from: string, to: string): string[] {
  const day = (s: string) => Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8));
  const a = day(parseBizdate(from, '--from'));
  const b = day(parseBizdate(to, '--to'));
  if (b < a) throw new FerryError(ErrorCodes.USAGE, `--to ${to} is before --from ${from}`);
  const out: string[] = [];
  for (let t = a; t <= b; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10).replace(/-/g, ''));
  return out;
}

/** Runs the backfill; resolves when every started date has finished. */
export async function backfill(ws: Workspace, workflow: string, opts: BackfillOptions): Promise<BackfillResult> {
  const wf = requireWorkflow(ws, workflow);
  let nodes: string[] | undefined;
  if (opts.node !== undefined) {
    requireNode(wf, opts.node);
    const graph = Object.fromEntries(Object.values(wf.nodes).map((n) => [n.name, n.depends]));
    const below = opts.downstream ? descendantsOf(graph, opts.node) : new Set<string>();
    nodes = wf.order.filter((n) => n === opts.node || below.has(n));
  } else if (opts.downstream) {
    throw new FerryError(ErrorCodes.USAGE, '--downstream needs --node');
  }
  const dates = dateRange(opts.from, opts.to);
  if (opts.descending) dates.reverse();
  const parallel = Math.max(1, opts.parallel ?? 1);
  const result: BackfillResult = { ok: true, instances: [], errors: [], notStarted: [] };
  const queue = [...dates];
  let stop = false;
  const worker = async () => {
    for (;;) {
      if (opts.signal?.aborted) stop = true;
      const bizdate = stop ? undefined : queue.shift();
      if (bizdate === undefined) return;
      opts.onDate?.(bizdate);
      try {
        const r = await runWorkflowInstance(ws, workflow, { ...opts, bizdate, ...(nodes ? { nodes } : {}), trigger: 'backfill' });
        result.instances.push(r);
        opts.onDate?.(bizdate, r);
        if (!r.ok) {
          result.ok = false;
          if (!opts.continueOnFailure) stop = true;
        }
      } catch (err) {
        result.ok = false;
        result.errors.push({ bizdate, message: (err as Error).message });
        opts.onDate?.(bizdate, undefined, err as Error);
        if (!opts.continueOnFailure) stop = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, dates.length) }, worker));
  result.notStarted = queue;
  if (queue.length > 0) result.ok = false;
  return result;
}
