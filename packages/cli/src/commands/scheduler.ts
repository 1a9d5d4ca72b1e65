/**
 * `ferry scheduler plan | start`: the instances the workspace's cron
 * schedules would trigger, and the long-running process that triggers them.
 */
import { Command } from 'commander';
import { createLogger, ErrorCodes, FerryError, type Logger } from '@ferry/core';
import { BUILTIN_PLUGINS } from '../builtin-plugins.js';
import { nodeChannels } from '../job-workers.js';
import {
  formatInZone,
  instantOfWall,
  isOwnerLive,
  lmdbSchedulerState,
  loadWorkspace,
  planInstances,
  requireEnvironment,
  requireWorkflow,
  runWorkflowInstance,
  startScheduler,
  openStateStore,
  type InstanceTimes,
  type PlannedInstance,
  type ScheduledWorkflow,
  type TriggerRecord,
  type Workspace,
} from '@ferry/workflow';
import { withSignals } from '../run-support.js';

/** The scheduled workflows of a workspace (those with `schedule.cron`), optionally only `only`. */
export function scheduledWorkflows(ws: Workspace, only?: string): ScheduledWorkflow[] {
  if (only !== undefined && !Object.hasOwn(ws.workflows, only)) {
    throw new FerryError(ErrorCodes.NOT_FOUND, `workflow ${only} not found (workflows: ${Object.keys(ws.workflows).join(', ') || 'none'})`);
  }
  const out: ScheduledWorkflow[] = [];
  for (const [name, wf] of Object.entries(ws.workflows)) {
    if (only !== undefined && name !== only) continue;
    const cron = wf.schedule?.cron;
    if (cron) out.push({ name, cron, timezone: ws.timezone });
  }
  return out;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO date or time, or a date as `yyyymmdd` (as `backfill` takes); without
 * a zone it is wall-clock time in `timezone` (the workspace's).
 */
export function parseInstant(text: string, flag: string, timezone: string): Date {
  // 20240620 and 20240620T00:15 read as their ISO spelling.
  const iso = text.trim().replace(/^(\d{4})(\d{2})(\d{2})(?=$|[T ])/, '$1-$2-$3');
  const m = INSTANT.exec(iso);
  const bad = () => new FerryError(ErrorCodes.USAGE, `${flag} ${text}: expected a date or time such as 2024-06-20, 20240620, 2024-06-20T00:15 or 2024-06-20T00:15:00+08:00`);
  if (!m) throw bad();
  if (m[7]) {
    const d = new Date(iso.replace(' ', 'T'));
    if (Number.isNaN(d.getTime())) throw bad();
    return d;
  }
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw bad();
  return new Date(instantOfWall(wall / 1000, timezone) * 1000);
}

/**
 * The exclusive end of an inclusive `--to`, as backfill reads its `--to`: a
 * date alone covers that whole day (up to the next midnight in the zone), a
 * time covers instances at that very second.
 */
export function endOfInclusive(text: string, timezone: string): Date {
  const at = parseInstant(text, '--to', timezone);
  if (/^\d{4}-?\d{2}-?\d{2}$/.test(text.trim())) {
    // The calendar day after, at midnight in the zone (not +24 h: DST days are 23 or 25 h).
    const [y, mo, d] = text
      .trim()
      .replace(/-/g, '')
      .match(/^(\d{4})(\d{2})(\d{2})$/)!
      .slice(1)
      .map(Number) as [number, number, number];
    return new Date(instantOfWall(Date.UTC(y, mo - 1, d + 1) / 1000, timezone) * 1000);
  }
  return new Date(at.getTime() + 1000);
}

/** One line per instance: workflow, scheduled time in the zone with its offset, bizdate, cyctime. */
export function formatPlan(instances: PlannedInstance[], timezone: string): string {
  const rows = instances.map((i) => [i.workflow, formatInZone(i.scheduledAt, timezone), i.bizdate, i.cyctime]);
  const header = ['WORKFLOW', 'SCHEDULED', 'BIZDATE', 'CYCTIME'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  return [header, ...rows].map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join('  ')).join('\n');
}

function planCommand(): Command {
  return new Command('plan')
    .description('print the instances the scheduler would trigger from --from to --to (both inclusive), in the workspace time zone')
    .option('--from <when>', 'start (inclusive): a date (2024-06-20 or 20240620) or an ISO time; without a zone it is read in the workspace time zone (default now)')
    .option('--to <when>', 'end (inclusive): a date covers that whole day, a time that very second (default: 24 hours after --from)')
    .option('--workflow <name>', 'only this workflow')
    .option('--workspace <file>', 'workspace file (default: ferry.yaml here or above)')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { from?: string; to?: string; workflow?: string; workspace?: string; json?: boolean }) => {
      const ws = await loadWorkspace({ workspace: opts.workspace, cwd: process.cwd() });
      const from = opts.from === undefined ? new Date() : parseInstant(opts.from, '--from', ws.timezone);
      const to = opts.to === undefined ? new Date(from.getTime() + 86_400_000) : endOfInclusive(opts.to, ws.timezone);
      if (to <= from) throw new FerryError(ErrorCodes.USAGE, `--to ${opts.to} is before --from ${opts.from ?? 'now'}`);
      const instances = planInstances(scheduledWorkflows(ws, opts.workflow), from, to);
      if (opts.json) {
        for (const i of instances) {
          process.stdout.write(
            JSON.stringify({ workflow: i.workflow, scheduledAt: formatInZone(i.scheduledAt, ws.timezone), utc: i.scheduledAt.toISOString(), bizdate: i.bizdate, cyctime: i.cyctime }) + '\n',
          );
        }
      } else if (instances.length === 0) {
        process.stderr.write(`no instances from ${formatInZone(from, ws.timezone)} until ${formatInZone(to, ws.timezone)}\n`);
      } else {
        process.stdout.write(formatPlan(instances, ws.timezone) + '\n');
      }
    });
}

/** Runs one instance through the workflow layer's DAG runner in `env`; resolves `{ok: false}` when a node failed. */
function instanceRunner(ws: Workspace, env: string, log: Logger) {
  return (workflow: string, times: InstanceTimes, signal: AbortSignal) =>
    runWorkflowInstance(ws, workflow, {
      env,
      bizdate: times.bizdate,
      cyctime: times.cyctime,
      scheduledAt: times.scheduledAt,
      signal,
      log,
      trigger: 'scheduler',
      plugins: { ...BUILTIN_PLUGINS },
      channels: nodeChannels,
    });
}

function startCommand(): Command {
  return new Command('start')
    .description('trigger workflow instances at their cron times until SIGINT/SIGTERM (missed instances are not run: use ferry workflow backfill)')
    .option('--env <name>', 'environment the instances run in (scheduled instances are production runs)', 'prod')
    .option('--workflow <name>', 'only this workflow')
    .option('--workspace <file>', 'workspace file (default: ferry.yaml here or above)')
    .action(async (opts: { env: string; workflow?: string; workspace?: string }, cmd: Command) => {
      const debug = Boolean(cmd.optsWithGlobals().debug);
      const ws = await loadWorkspace({ workspace: opts.workspace, cwd: process.cwd() });
      const log = createLogger({ debug, timeZone: ws.timezone });
      requireEnvironment(ws, opts.env);
      const workflows = scheduledWorkflows(ws, opts.workflow);
      if (workflows.length === 0) throw new FerryError(ErrorCodes.CONFIG, `${ws.file}: no workflow has a schedule.cron: nothing to schedule`);
      const store = openStateStore(ws.storeDir);
      try {
        const summary = await withSignals((signal) => startScheduler({ workflows, state: lmdbSchedulerState(store, opts.env), signal, log, runInstance: instanceRunner(ws, opts.env, log) }));
        log.info(`triggered ${summary.triggered.length} instance(s)`);
      } finally {
        await store.close();
      }
    });
}

function historyCommand(): Command {
  return new Command('history')
    .description('the instances the scheduler triggered: time, business date, status and why it failed')
    .option('--env <name>', 'environment', 'prod')
    .option('--workflow <name>', 'only this workflow')
    .option('--limit <n>', 'the latest n per workflow', (v) => Number(v), 20)
    .option('--workspace <file>', 'workspace file (default: ferry.yaml here or above)')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { env: string; workflow?: string; limit: number; workspace?: string; json?: boolean }) => {
      if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new FerryError(ErrorCodes.USAGE, '--limit: expected a positive integer');
      const ws = await loadWorkspace({ workspace: opts.workspace, cwd: process.cwd() });
      requireEnvironment(ws, opts.env);
      if (opts.workflow !== undefined) requireWorkflow(ws, opts.workflow);
      const store = openStateStore(ws.storeDir);
      try {
        const all = await lmdbSchedulerState(store, opts.env).list(opts.workflow);
        const byWf = new Map<string, TriggerRecord[]>();
        for (const r of all) byWf.set(r.workflow, [...(byWf.get(r.workflow) ?? []), r]);
        const shown = [...byWf.values()].flatMap((rs) => rs.slice(-opts.limit));
        if (opts.json) {
          for (const r of shown) process.stdout.write(JSON.stringify(r) + '\n');
          return;
        }
        if (shown.length === 0) {
          process.stderr.write(`the scheduler has triggered no instance in ${opts.env} yet\n`);
          return;
        }
        // A record left running by a scheduler that is gone is shown as what the next start will mark it: failed.
        const interrupted = (r: TriggerRecord) => r.status === 'running' && !isOwnerLive(r.owner);
        const rows = shown.map((r) => [
          r.workflow,
          formatInZone(new Date(r.scheduledAt), ws.timezone),
          r.bizdate,
          interrupted(r) ? 'failed' : r.status,
          interrupted(r) ? `interrupted: scheduler process ${r.owner.pid} stopped while it ran` : (r.error ?? ''),
        ]);
        const header = ['WORKFLOW', 'SCHEDULED', 'BIZDATE', 'STATUS', 'ERROR'];
        const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
        process.stdout.write(
          [header, ...rows]
            .map((r) =>
              r
                .map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!)))
                .join('  ')
                .trimEnd(),
            )
            .join('\n') + '\n',
        );
      } finally {
        await store.close();
      }
    });
}

/** `ferry scheduler`. */
export function schedulerCommand(): Command {
  return new Command('scheduler').description('cron scheduling of workflows in the workspace time zone').addCommand(planCommand()).addCommand(startCommand()).addCommand(historyCommand());
}
