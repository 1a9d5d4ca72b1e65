/**
 * `ferry workflow run | backfill | status | logs | rerun | list`: the
 * workspace's workflows, run for a business date in an environment, with
 * their state kept in the workspace's store.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { createLogger, ErrorCodes, FerryError, type Logger } from '@ferry/core';
import {
  backfill,
  formatInZone,
  listInstances,
  loadWorkspace,
  parseBizdate,
  readInstance,
  requireEnvironment,
  requireNode,
  requireWorkflow,
  rerunNode,
  runWorkflowInstance,
  type InstanceRecord,
  type Workspace,
} from '@ferry/workflow';
import { BUILTIN_PLUGINS } from '../builtin-plugins.js';
import { nodeChannels } from '../job-workers.js';
import { withSignals } from '../run-support.js';

const collect = (v: string, prev: string[]) => [...prev, v];
const plugins = { ...BUILTIN_PLUGINS };

interface Common {
  workspace?: string;
  env: string;
}

/** A business date flag, `yyyymmdd` or `yyyy-mm-dd`, as `yyyymmdd`. */
function bizdateOf(text: string | undefined, flag = '--bizdate'): string {
  return parseBizdate(text, flag);
}

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new FerryError(ErrorCodes.USAGE, `${flag} ${text}: expected an integer from 1 to 64`);
  return n;
}

async function open(opts: Common): Promise<Workspace> {
  const ws = await loadWorkspace({ workspace: opts.workspace, cwd: process.cwd() });
  requireEnvironment(ws, opts.env);
  return ws;
}

/** Terminal lines stamped in the workspace's zone, as its status tables and node logs are. */
function progressLog(cmd: Command, ws: Workspace): Logger {
  return createLogger({ debug: Boolean(cmd.optsWithGlobals().debug), timeZone: ws.timezone });
}

function when(iso: string | undefined, tz: string): string {
  return iso ? formatInZone(new Date(iso), tz).slice(0, 19) : '-';
}

/** The node table of one instance. */
export function formatInstance(ws: Workspace, inst: InstanceRecord): string {
  const wf = ws.workflows[inst.workflow];
  const order = wf ? [...wf.order, ...Object.keys(inst.nodes).filter((n) => !wf.order.includes(n))] : Object.keys(inst.nodes);
  const head = `${inst.workflow}  bizdate ${inst.bizdate}  env ${inst.env}  T ${inst.cyctime}  (last ${inst.trigger}, times in ${ws.timezone})`;
  const rows = [['NODE', 'STATE', 'START', 'END', 'ROWS', 'LOG']];
  const notes: string[] = [];
  for (const n of order) {
    const r = inst.nodes[n];
    if (!r) continue;
    rows.push([
      n,
      r.state + (r.attempts && r.attempts > 1 ? ` (${r.attempts} runs)` : ''),
      when(r.startedAt, ws.timezone),
      when(r.endedAt, ws.timezone),
      r.rows === undefined ? '-' : String(r.rows),
      r.logPath && existsSync(r.logPath) ? r.logPath : '-',
    ]);
    if (r.reason && r.state !== 'succeeded') notes.push(`  ${n}: ${r.reason.split('\n')[0]}`);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const table = rows.map((row) => row.map((v, c) => (c === row.length - 1 ? v : v.padEnd(widths[c]!))).join('  ')).join('\n');
  return [head, table, ...(notes.length ? ['why:', ...notes] : [])].join('\n');
}

/** On stderr: where to look when nodes failed. */
function failureHint(inst: InstanceRecord | undefined): void {
  if (!inst) return;
  const failed = Object.entries(inst.nodes)
    .filter(([, n]) => n.state === 'failed')
    .map(([k]) => k);
  if (failed.length === 0) return;
  const env = inst.env === 'dev' ? '' : ` --env ${inst.env}`;
  process.stderr.write(`ferry: ${failed.length} node(s) failed: ${failed.map((n) => `ferry workflow logs ${inst.workflow} ${n} --bizdate ${inst.bizdate}${env}`).join('; ')}\n`);
}

function runCmd(): Command {
  return new Command('run')
    .description('run a workflow instance for a business date: nodes in dependency order, independent ones in parallel')
    .argument('<workflow>')
    .requiredOption('--bizdate <date>', 'business date, yyyymmdd or yyyy-mm-dd (the run behaves as the instance scheduled on bizdate + 1)')
    .option('--env <name>', 'environment: store project and data source settings', 'dev')
    .option('--node <name>', 'only this node (repeatable); nodes outside the run do not hold it back', collect, [])
    .option('--parallel <n>', 'nodes run at once', '2')
    .option('--workspace <path>', 'ferry.yaml (default: here or above)')
    .action(async (workflow: string, opts: Common & { bizdate: string; node: string[]; parallel: string }, cmd: Command) => {
      const ws = await open(opts);
      const wf = requireWorkflow(ws, workflow);
      for (const n of opts.node) requireNode(wf, n);
      const log = progressLog(cmd, ws);
      const result = await withSignals((signal) =>
        runWorkflowInstance(ws, workflow, {
          bizdate: bizdateOf(opts.bizdate),
          env: opts.env,
          ...(opts.node.length ? { nodes: opts.node } : {}),
          maxParallel: positiveInt(opts.parallel, '--parallel', 2),
          signal,
          log,
          plugins,
          channels: nodeChannels,
          trigger: 'run',
        }),
      );
      const inst = await readInstance(ws, opts.env, workflow, result.bizdate);
      if (inst) process.stdout.write(formatInstance(ws, inst) + '\n');
      failureHint(inst);
      process.exitCode = result.ok ? 0 : 1;
    });
}

function backfillCmd(): Command {
  return new Command('backfill')
    .description('run one instance per business date in [--from, --to], oldest first')
    .argument('<workflow>')
    .requiredOption('--from <date>', 'first business date (yyyymmdd or yyyy-mm-dd)')
    .requiredOption('--to <date>', 'last business date, inclusive (yyyymmdd or yyyy-mm-dd)')
    .option('--parallel <k>', 'dates run at once', '1')
    .option('--node <name>', 'only this node')
    .option('--downstream', 'with --node: its descendants too')
    .option('--descending', 'newest date first')
    .option('--continue-on-failure', 'keep starting dates after one failed')
    .option('--env <name>', 'environment', 'dev')
    .option('--workspace <path>', 'ferry.yaml (default: here or above)')
    .action(
      async (workflow: string, opts: Common & { from: string; to: string; parallel: string; node?: string; downstream?: boolean; descending?: boolean; continueOnFailure?: boolean }, cmd: Command) => {
        const ws = await open(opts);
        requireWorkflow(ws, workflow);
        const log = progressLog(cmd, ws);
        const result = await withSignals((signal) =>
          backfill(ws, workflow, {
            from: bizdateOf(opts.from, '--from'),
            to: bizdateOf(opts.to, '--to'),
            parallel: positiveInt(opts.parallel, '--parallel', 1),
            env: opts.env,
            ...(opts.node !== undefined ? { node: opts.node } : {}),
            downstream: Boolean(opts.downstream),
            descending: Boolean(opts.descending),
            continueOnFailure: Boolean(opts.continueOnFailure),
            signal,
            log,
            plugins,
            channels: nodeChannels,
            onDate: (d, r, err) => {
              if (!r && !err) log.info(`backfill ${workflow} bizdate ${d}: started`);
              else if (err) log.warn(`backfill ${workflow} bizdate ${d}: ${err.message}`);
              else log.info(`backfill ${workflow} bizdate ${d}: ${r!.ok ? 'succeeded' : 'failed'}`);
            },
          }),
        );
        const lines = ['BIZDATE   RESULT'];
        for (const r of [...result.instances].sort((a, b) => a.bizdate.localeCompare(b.bizdate))) {
          const failed = Object.entries(r.nodes)
            .filter(([, n]) => n.state === 'failed')
            .map(([k]) => k);
          lines.push(`${r.bizdate}  ${r.ok ? 'succeeded' : `failed${failed.length ? ` (${failed.join(', ')})` : ''}`}`);
        }
        for (const e of result.errors) lines.push(`${e.bizdate}  not started: ${e.message}`);
        for (const d of result.notStarted) lines.push(`${d}  not started (an earlier date failed)`);
        process.stdout.write(lines.join('\n') + '\n');
        process.exitCode = result.ok ? 0 : 1;
      },
    );
}

function statusCmd(): Command {
  return new Command('status')
    .description("each node's state, start, end, rows and log of an instance (default: the latest business date)")
    .argument('<workflow>')
    .option('--bizdate <date>', 'business date (yyyymmdd or yyyy-mm-dd)')
    .option('--env <name>', 'environment', 'dev')
    .option('--json', 'the instance as JSON')
    .option('--workspace <path>', 'ferry.yaml (default: here or above)')
    .action(async (workflow: string, opts: Common & { bizdate?: string; json?: boolean }) => {
      const ws = await open(opts);
      requireWorkflow(ws, workflow);
      let inst: InstanceRecord | undefined;
      let others: InstanceRecord[] = [];
      if (opts.bizdate !== undefined) {
        inst = await readInstance(ws, opts.env, workflow, bizdateOf(opts.bizdate));
        if (!inst) throw new FerryError(ErrorCodes.NOT_FOUND, `${workflow} has no instance for bizdate ${opts.bizdate} in ${opts.env}`);
      } else {
        const all = await listInstances(ws, opts.env, workflow);
        inst = all.at(-1);
        others = all.slice(0, -1);
        if (!inst) throw new FerryError(ErrorCodes.NOT_FOUND, `${workflow} has no instances in ${opts.env} yet (ferry workflow run ${workflow} --bizdate yyyymmdd)`);
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify(inst) + '\n');
        return;
      }
      let out = formatInstance(ws, inst);
      if (others.length) {
        const summary = others.slice(-10).map((o) => {
          const states = Object.values(o.nodes).map((n) => n.state);
          const bad = states.filter((s) => s === 'failed').length;
          return `${o.bizdate}${bad ? ` (${bad} failed)` : states.every((s) => s === 'succeeded') ? ' (succeeded)' : ''}`;
        });
        out += `\nearlier instances: ${summary.join(', ')} (use --bizdate)`;
      }
      process.stdout.write(out + '\n');
    });
}

function logsCmd(): Command {
  return new Command('logs')
    .description("print a node's log for a business date (every execution, oldest first)")
    .argument('<workflow>')
    .argument('<node>')
    .requiredOption('--bizdate <date>', 'business date (yyyymmdd or yyyy-mm-dd)')
    .option('--env <name>', 'environment', 'dev')
    .option('--workspace <path>', 'ferry.yaml (default: here or above)')
    .action(async (workflow: string, node: string, opts: Common & { bizdate: string }) => {
      const ws = await open(opts);
      requireNode(requireWorkflow(ws, workflow), node);
      const inst = await readInstance(ws, opts.env, workflow, bizdateOf(opts.bizdate));
      const path = inst?.nodes[node]?.logPath;
      if (!path || !existsSync(path))
        throw new FerryError(ErrorCodes.NOT_FOUND, `no log for ${workflow}.${node} bizdate ${opts.bizdate} in ${opts.env} (state: ${inst?.nodes[node]?.state ?? 'no instance'})`);
      process.stdout.write(readFileSync(path, 'utf8'));
    });
}

function rerunCmd(): Command {
  return new Command('rerun')
    .description('run a node of an instance again, as its rerun policy allows (always, on-failure, never)')
    .argument('<workflow>')
    .argument('<node>')
    .requiredOption('--bizdate <date>', 'business date of the instance (yyyymmdd or yyyy-mm-dd)')
    .option('--downstream', "the node's descendants too")
    .option('--env <name>', 'environment', 'dev')
    .option('--workspace <path>', 'ferry.yaml (default: here or above)')
    .action(async (workflow: string, node: string, opts: Common & { bizdate: string; downstream?: boolean }, cmd: Command) => {
      const ws = await open(opts);
      const log = progressLog(cmd, ws);
      const result = await withSignals((signal) =>
        rerunNode(ws, workflow, node, { bizdate: bizdateOf(opts.bizdate), env: opts.env, downstream: Boolean(opts.downstream), signal, log, plugins, channels: nodeChannels }),
      );
      for (const k of result.kept) log.warn(`${workflow}.${k.node} not rerun: ${k.why}`);
      const inst = await readInstance(ws, opts.env, workflow, result.bizdate);
      if (inst) process.stdout.write(formatInstance(ws, inst) + '\n');
      failureHint(inst);
      process.exitCode = result.ok ? 0 : 1;
    });
}

function listCmd(): Command {
  return new Command('list')
    .description('the workspace: environments, data sources, workflows and their nodes')
    .option('--workspace <path>', 'ferry.yaml (default: here or above)')
    .action(async (opts: { workspace?: string }) => {
      const ws = await loadWorkspace({ workspace: opts.workspace, cwd: process.cwd() });
      const lines = [`workspace ${ws.name} (${ws.file}), time zone ${ws.timezone}, store ${ws.storeDir}`];
      lines.push(
        `environments: ${Object.entries(ws.environments)
          .map(([k, v]) => `${k} -> project ${v.project}`)
          .join(', ')}`,
      );
      for (const wf of Object.values(ws.workflows)) {
        lines.push(`workflow ${wf.name}${wf.schedule ? ` (cron "${wf.schedule.cron}")` : ' (not scheduled)'}`);
        for (const n of wf.order) {
          const node = wf.nodes[n]!;
          const extra = [node.type, node.depends.length ? `after ${node.depends.join(', ')}` : '', `rerun ${node.rerun}`, node.retries ? `${node.retries} retries` : ''].filter(Boolean).join(', ');
          lines.push(`  ${n}: ${extra}`);
        }
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}

function lineageCmd(): Command {
  return new Command('lineage')
    .description('the tables each node of a workflow reads and writes, and the dependencies that adds')
    .argument('<workflow>', 'workflow name')
    .option('--format <format>', 'text or dot (Graphviz)', 'text')
    .option('--workspace <path>', 'ferry.yaml (default: here or above)')
    .action(async (name: string, opts: { workspace?: string; format: string }) => {
      if (opts.format !== 'text' && opts.format !== 'dot') throw new FerryError(ErrorCodes.USAGE, `--format ${opts.format}: expected text or dot`);
      const ws = await loadWorkspace({ workspace: opts.workspace, cwd: process.cwd() });
      const wf = ws.workflows[name];
      if (!wf) throw new FerryError(ErrorCodes.NOT_FOUND, `workflow ${name} not found in ${ws.file} (workflows: ${Object.keys(ws.workflows).join(', ')})`);
      const lines: string[] = [];
      if (opts.format === 'dot') lines.push(`digraph ${JSON.stringify(wf.name)} {`);
      for (const n of wf.order) {
        const node = wf.nodes[n]!;
        const l = wf.lineage?.[n] ?? { reads: [], writes: [], sources: [], derived: [] };
        if (opts.format === 'dot') {
          for (const src of l.sources) lines.push(`  ${JSON.stringify(src)} [shape=cylinder];\n  ${JSON.stringify(src)} -> ${JSON.stringify(n)};`);
          for (const p of node.depends) lines.push(`  ${JSON.stringify(p)} -> ${JSON.stringify(n)}${l.derived.includes(p) ? ' [style=dashed, label="lineage"]' : ''};`);
          continue;
        }
        const parts = [
          node.type,
          l.sources.length ? `from ${l.sources.join(', ')}` : '',
          l.reads.length ? `reads ${l.reads.join(', ')}` : '',
          l.writes.length ? `writes ${l.writes.join(', ')}` : '',
          node.depends.length ? `after ${node.depends.map((p) => (l.derived.includes(p) ? `${p} (lineage)` : p)).join(', ')}` : '',
        ];
        lines.push(`${n}: ${parts.filter(Boolean).join('; ')}`);
      }
      if (opts.format === 'dot') lines.push('}');
      process.stdout.write(lines.join('\n') + '\n');
    });
}

/** `ferry workflow`. */
export function workflowCommand(): Command {
  return new Command('workflow')
    .description('run, backfill, inspect and rerun the workspace workflows (ferry.yaml)')
    .addCommand(runCmd())
    .addCommand(backfillCmd())
    .addCommand(statusCmd())
    .addCommand(logsCmd())
    .addCommand(rerunCmd())
    .addCommand(listCmd())
    .addCommand(lineageCmd());
}
