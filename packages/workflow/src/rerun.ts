/**
 * `ferry workflow rerun`: runs a node of an existing instance again (and its
 * descendants with `downstream`), as its rerun policy allows:
 *
 * | policy     | after success | after failure |
 * |------------|---------------|---------------|
 * | always     | yes           | yes           |
 * | on-failure | no            | yes           |
 * | never      | no            | no            |
 *
 * A node that never ran (not run, skipped, interrupted before it started)
 * may always run: that is not a rerun. The named node is refused outright
 * when its policy forbids; a descendant its policy protects keeps its state,
 * and its own children run only if it had succeeded.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import { descendantsOf } from './dag.js';
import type { NodeRecord } from './instance-state.js';
import { readInstance, runWorkflowInstance, type InstanceResult, type InstanceRunOptions } from './runner.js';
import { requireEnvironment, requireNode, requireWorkflow, type RerunPolicy, type Workspace } from './workspace.js';

/** Why `policy` forbids running a node in `rec`'s state again, or undefined when it may run. */
export function rerunRefusal(policy: RerunPolicy, rec: NodeRecord | undefined): string | undefined {
  const state = rec?.state ?? 'not run';
  if (state === 'running' || state === 'waiting') return `it is ${state}`;
  if (state === 'succeeded' && policy !== 'always') return `it succeeded and its rerun policy is ${policy}${policy === 'on-failure' ? ' (rerun only after a failure)' : ''}`;
  if (state === 'failed' && policy === 'never') return 'its rerun policy is never';
  return undefined;
}

export interface RerunOptions extends Omit<InstanceRunOptions, 'nodes' | 'gate' | 'trigger'> {
  bizdate: string;
  /** Rerun the node's descendants too. */
  downstream?: boolean;
}

/** What a rerun did: the instance result and the descendants kept by their policy. */
export interface RerunResult extends InstanceResult {
  kept: { node: string; why: string }[];
}

/** Reruns `node` of the (env, workflow, bizdate) instance; a FerryError WORKFLOW says why it may not. */
export async function rerunNode(ws: Workspace, workflow: string, node: string, opts: RerunOptions): Promise<RerunResult> {
  const env = opts.env ?? 'dev';
  requireEnvironment(ws, env);
  const wf = requireWorkflow(ws, workflow);
  const target = requireNode(wf, node);
  const inst = await readInstance(ws, env, workflow, opts.bizdate);
  if (!inst) {
    throw new FerryError(ErrorCodes.NOT_FOUND, `${workflow} has no instance for bizdate ${opts.bizdate} in ${env} (run it first: ferry workflow run ${workflow} --bizdate ${opts.bizdate})`);
  }
  const refused = rerunRefusal(target.rerun, inst.nodes[node]);
  if (refused) throw new FerryError(ErrorCodes.WORKFLOW, `cannot rerun ${workflow}.${node} for bizdate ${opts.bizdate} (${env}): ${refused}`);
  const scope = [node];
  const kept: { node: string; why: string }[] = [];
  if (opts.downstream) {
    const graph = Object.fromEntries(Object.values(wf.nodes).map((n) => [n.name, n.depends]));
    for (const d of wf.order.filter((n) => descendantsOf(graph, node).has(n))) {
      const why = rerunRefusal(wf.nodes[d]!.rerun, inst.nodes[d]);
      if (why) kept.push({ node: d, why });
      else scope.push(d);
    }
  }
  const result = await runWorkflowInstance(ws, workflow, {
    ...opts,
    env,
    cyctime: inst.cyctime,
    nodes: scope,
    gate: kept.map((k) => k.node),
    trigger: 'rerun',
  });
  return { ...result, kept };
}
