/**
 * `ferry runs list | show RUN_ID`: the runs `ferry run` recorded under
 * `<store>/runs`: status, splits done of total, rows, dirty records, and
 * whether `ferry run JOB --resume RUN_ID` can finish one (or why not).
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Command } from 'commander';
import { createLogger, ErrorCodes, FerryError, redactText, type WriterPlugin } from '@ferry/core';
import { resolvePlugin } from '@ferry/core/engine';
import { listRunRecords, notResumable, readRunRecord, type RunRecord } from '@ferry/core/engine';
import { engineOptions } from '../builtin-plugins.js';
import { grid, int, localTime, table } from '../format.js';
import { resolveTarget, targetOptions, type TargetOptions } from '../workspace-target.js';

type Opts = TargetOptions & { json?: boolean; job?: string; limit?: string };

/** What `ferry runs` shows of a run. */
interface RunView {
  runId: string;
  status: string;
  job?: string;
  startedAt?: string;
  endedAt?: string;
  splitsDone: number;
  splitsTotal?: number;
  recordsRead: number;
  recordsWritten: number;
  dirtyRecords: number;
  resumable: boolean;
  /** Why not, when not resumable. */
  reason?: string;
  resumedFrom?: string;
  resumedBy?: string;
  error?: { code: string; message: string };
  runDir: string;
}

const sum = (r: RunRecord, f: 'recordsRead' | 'recordsWritten' | 'dirty') => r.done.reduce((n, d) => n + (d[f] ?? 0), 0);

/** The writer's own verdict on a kept write (its staged files gone, the destination written since). */
async function writerReason(r: RunRecord, writers: Map<string, WriterPlugin | undefined>, plugins: Record<string, string>): Promise<string | undefined> {
  const name = r.resume!.writer;
  if (!writers.has(name)) {
    let w: WriterPlugin | undefined;
    try {
      w = (await resolvePlugin(name, 'writer', { plugins, baseDir: process.cwd() })).plugin as WriterPlugin;
    } catch {
      w = undefined;
    }
    writers.set(name, w);
  }
  const w = writers.get(name);
  if (!w?.resume) return undefined;
  const ctx = { log: createLogger({ write: () => {} }), signal: new AbortController().signal, params: {}, settings: {}, baseDir: process.cwd(), runDir: join(tmpdir(), 'ferry-no-run') };
  try {
    return (
      (await w.resume.check(
        r.resume!.handle,
        r.done.flatMap((d) => d.segments),
        ctx,
      )) ?? undefined
    );
  } catch (err) {
    return (err as Error).message;
  }
}

async function view(r: RunRecord, writers: Map<string, WriterPlugin | undefined>, plugins: Record<string, string>): Promise<RunView> {
  let reason = notResumable(r);
  if (!reason) reason = await writerReason(r, writers, plugins);
  return {
    runId: r.runId,
    status: r.status,
    ...(r.resume ? { job: r.resume.job } : {}),
    ...(r.startedAt ? { startedAt: r.startedAt } : {}),
    ...(r.end ? { endedAt: r.end.endedAt } : {}),
    splitsDone: r.done.length,
    ...(r.resume ? { splitsTotal: r.resume.splitsTotal } : {}),
    recordsRead: sum(r, 'recordsRead'),
    recordsWritten: sum(r, 'recordsWritten'),
    dirtyRecords: sum(r, 'dirty'),
    resumable: !reason,
    ...(reason ? { reason } : {}),
    ...(r.resume?.resumedFrom ? { resumedFrom: r.resume.resumedFrom } : {}),
    ...(r.resumedBy ? { resumedBy: r.resumedBy } : {}),
    ...(r.end?.error ? { error: r.end.error } : {}),
    runDir: r.dir,
  };
}

async function runsDirOf(opts: Opts): Promise<{ runsDir: string; plugins: Record<string, string> }> {
  const engine = engineOptions(await resolveTarget(opts));
  return { runsDir: engine.runsDir!, plugins: engine.plugins ?? {} };
}

function sub(name: string, description: string): Command {
  return targetOptions(new Command(name).description(description)).option('--json', 'print JSON');
}

function detail(v: RunView, r: RunRecord): string {
  const rows: [string, string][] = [
    ['Run', v.runId],
    ['Job', v.job ?? '(not recorded: the run failed before its destination was prepared)'],
    ['Status', v.status.toUpperCase()],
  ];
  if (v.startedAt) rows.push(['Started', localTime(v.startedAt)]);
  if (v.endedAt) rows.push(['Ended', localTime(v.endedAt)]);
  rows.push(['Splits done', `${v.splitsDone}${v.splitsTotal !== undefined ? ` of ${v.splitsTotal}` : ''}`]);
  rows.push(['Records read', int(v.recordsRead)], ['Records written', int(v.recordsWritten)], ['Dirty records', int(v.dirtyRecords)]);
  if (v.error) rows.push(['Error', v.error.message]);
  if (v.resumedFrom) rows.push(['Resumed from', v.resumedFrom]);
  if (v.resumedBy) rows.push(['Resumed by', v.resumedBy]);
  rows.push(['Resumable', v.resumable ? `yes: ferry run ${r.resume?.source ?? r.resume?.job ?? 'JOB'} --resume ${v.runId} (with the same parameters)` : `no: ${v.reason}`]);
  rows.push(['Run folder', v.runDir]);
  return table(rows) + '\n';
}

/** `ferry runs`: list and show recorded runs. */
export function runsCommand(): Command {
  const cmd = new Command('runs').description('runs of ferry run: status, splits done, rows, and which can be resumed (ferry run JOB --resume)');
  cmd.addCommand(
    sub('list', 'recorded runs, newest first')
      .option('--job <job>', 'only runs of this job (its file, as given to ferry run, or the name runs list shows)')
      .option('--limit <n>', 'at most n runs', '20')
      .action(async (opts: Opts) => {
        const limit = Number(opts.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) throw new FerryError(ErrorCodes.USAGE, `--limit ${opts.limit}: expected a positive number`);
        const { runsDir, plugins } = await runsDirOf(opts);
        let records = listRunRecords(runsDir);
        if (opts.job)
          records = records.filter(
            (r) => r.resume && (r.resume.job === opts.job || r.resume.source === opts.job || r.resume.job.endsWith(`/${opts.job}`) || r.resume.source?.endsWith(`/${opts.job}`)),
          );
        const writers = new Map<string, WriterPlugin | undefined>();
        const views = await Promise.all(records.slice(0, limit).map((r) => view(r, writers, plugins)));
        if (opts.json) return void process.stdout.write(redactText(JSON.stringify(views)) + '\n');
        if (views.length === 0) return void process.stdout.write(`no runs recorded in ${runsDir}\n`);
        const header = ['RUN', 'STATUS', 'JOB', 'SPLITS', 'RECORDS', 'DIRTY', 'RESUMABLE'];
        const rows = views.map((v) => [
          v.runId,
          v.status,
          v.job ?? '-',
          `${v.splitsDone}/${v.splitsTotal ?? '?'}`,
          int(v.recordsWritten),
          int(v.dirtyRecords),
          v.resumable ? 'yes' : v.status === 'succeeded' ? '-' : `no: ${v.reason}`,
        ]);
        process.stdout.write(redactText(grid(header, rows)));
      }),
  );
  cmd.addCommand(
    sub('show', 'one run: status, splits done of total, rows, dirty records, error, and whether it can be resumed (or why not)')
      .argument('<run>', 'run id, as ferry runs list and the run summary show it')
      .action(async (runId: string, opts: Opts) => {
        if (!/^[\w.-]+$/.test(runId)) throw new FerryError(ErrorCodes.USAGE, `${runId}: expected a run id as \`ferry runs list\` shows it`);
        const { runsDir, plugins } = await runsDirOf(opts);
        const r = readRunRecord(join(runsDir, runId), runId);
        if (!r) throw new FerryError(ErrorCodes.NOT_FOUND, `no run ${runId} in ${runsDir} (\`ferry runs list\` shows the runs)`);
        const v = await view(r, new Map(), plugins);
        process.stdout.write(redactText(opts.json ? JSON.stringify(v) + '\n' : detail(v, r)));
      }),
  );
  return cmd;
}
