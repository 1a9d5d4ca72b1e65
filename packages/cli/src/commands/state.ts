/**
 * `ferry state ...`: the saved high-water marks of incremental jobs, per
 * store project (a workspace environment's). A JOB is the job file (as given
 * to `ferry run`) or the job name `ferry state list` shows.
 */
import { Command } from 'commander';
import { ErrorCodes, FerryError, isFerryError } from '@ferry/core';
import { jobIdentity } from '@ferry/workflow';
import { findState, listStates, openStore, removeState, resolveStoreDir, setStateValue, type SavedState, type Store } from '@ferry/writer-table';
import { grid, localTime } from '../format.js';
import { resolveTarget, targetOptions, type TargetOptions } from '../workspace-target.js';

type Opts = TargetOptions & { table?: string; json?: boolean };

async function withState<T>(opts: Opts, fn: (store: Store, project: string, wsDir: string | undefined) => Promise<T> | T): Promise<T> {
  const target = await resolveTarget(opts);
  const store = openStore(resolveStoreDir(target.storeDir), { mustExist: true });
  try {
    return await fn(store, target.project.toLowerCase(), target.workspace?.dir);
  } finally {
    await store.close();
  }
}

/** The entry of JOB: first as a job file path (how `ferry run` names it), then as the name itself. */
function find(store: Store, project: string, wsDir: string | undefined, job: string, table?: string) {
  const byPath = jobIdentity(job, wsDir);
  if (byPath !== job) {
    try {
      return findState(store, project, byPath, table);
    } catch (err) {
      if (!isFerryError(err) || err.code !== ErrorCodes.NOT_FOUND) throw err;
    }
  }
  return findState(store, project, job, table);
}

/** The cursor value of a saved state, as people read it. */
export function stateValueText(s: SavedState): string {
  const v = s.value as { value?: unknown } | null;
  if (v && typeof v === 'object' && typeof v.value === 'string') return v.value;
  return JSON.stringify(s.value);
}

function show(s: SavedState): string {
  const rows: [string, string][] = [
    ['Job', s.job],
    ['Reader', s.reader],
    ['Destination', `${s.table}${s.partition ? ` ${s.partition}` : ''}`],
    ['Value', stateValueText(s)],
    ['Last range', s.range],
    ['Saved', `${localTime(s.updatedAt)}${s.runId ? ` by run ${s.runId}` : ' by ferry state set'}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

function sub(name: string, description: string): Command {
  return targetOptions(new Command(name).description(description)).option('--json', 'print JSON');
}

/** `ferry state`: list, show, set and reset saved incremental state. */
export function stateCommand(): Command {
  const cmd = new Command('state').description('saved high-water marks of incremental jobs: list, show, set, reset');
  cmd.addCommand(
    sub('list', 'every saved state of the project').action((opts: Opts) =>
      withState(opts, (store, project) => {
        const all = listStates(store, project);
        if (opts.json) return void process.stdout.write(JSON.stringify(all) + '\n');
        if (all.length === 0) return void process.stdout.write(`no saved state in project ${project}\n`);
        const rows = all.map((s) => [s.job, s.reader, `${s.table}${s.partition ? ` ${s.partition}` : ''}`, stateValueText(s), localTime(s.updatedAt)]);
        const header = ['JOB', 'READER', 'DESTINATION', 'VALUE', 'SAVED'];
        process.stdout.write(grid(header, rows));
      }),
    ),
  );
  cmd.addCommand(
    sub('show', "a job's saved state")
      .argument('<job>', 'job file or job name')
      .option('--table <name>', 'the destination table, when the job has several states')
      .action((job: string, opts: Opts) =>
        withState(opts, (store, project, wsDir) => {
          const { state } = find(store, project, wsDir, job, opts.table);
          process.stdout.write(opts.json ? JSON.stringify(state) + '\n' : show(state));
        }),
      ),
  );
  cmd.addCommand(
    sub('set', "sets a job's high-water mark: the next run reads rows above VALUE")
      .argument('<job>', 'job file or job name')
      .argument('<value>', 'the new mark, as the cursor column prints it (42, 2024-06-01 10:00:00)')
      .option('--table <name>', 'the destination table, when the job has several states')
      .action((job: string, value: string, opts: Opts) =>
        withState(opts, async (store, project, wsDir) => {
          const { key, state } = find(store, project, wsDir, job, opts.table);
          const old = state.value as Record<string, unknown> | null;
          // Readers keep `{ ..., value: text }`; only the text changes (the reader checks it on the next run).
          if (!old || typeof old !== 'object' || typeof old.value !== 'string')
            throw new FerryError(ErrorCodes.USAGE, `the saved state of ${state.job} is not a value ferry can set (${JSON.stringify(state.value).slice(0, 60)}); use ferry state reset`);
          const next = await setStateValue(store, key, { ...old, value }, `set by hand from ${stateValueText(state)} to ${value}`);
          process.stdout.write(opts.json ? JSON.stringify(next) + '\n' : `${state.job}: high-water mark ${stateValueText(state)} -> ${value}\n`);
        }),
      ),
  );
  cmd.addCommand(
    sub('reset', "forgets a job's high-water mark: the next run reads every row (or from start)")
      .argument('<job>', 'job file or job name')
      .option('--table <name>', 'the destination table, when the job has several states')
      .action((job: string, opts: Opts) =>
        withState(opts, async (store, project, wsDir) => {
          const { key, state } = find(store, project, wsDir, job, opts.table);
          await removeState(store, key);
          process.stdout.write(opts.json ? JSON.stringify({ reset: state }) + '\n' : `${state.job}: saved state removed (was ${stateValueText(state)})\n`);
        }),
      ),
  );
  return cmd;
}
