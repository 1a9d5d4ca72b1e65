/** `ferry dirty show RUN_ID`: the dirty records of a run, each with where it is in the source. */
import { Command } from 'commander';
import { ErrorCodes, FerryError } from '@ferry/core';
import { engineOptions } from '../builtin-plugins.js';
import { dirtyFileOf, formatDirty, readDirty, resolveLines } from '../dirty-records.js';
import { resolveTarget, targetOptions, type TargetOptions } from '../workspace-target.js';

export function dirtyCommand(): Command {
  const cmd = new Command('dirty').description('dirty records of runs');
  cmd.addCommand(
    targetOptions(
      new Command('show')
        .description('print the dirty records of a run: source position (file:line, or table and key), reason, record as read')
        .argument('<run>', 'run id (as in the run summary), or the run folder')
        .option('--limit <n>', 'print at most n records', '100')
        .option('--json', 'one JSON object per line'),
    ).action(async (run: string, opts: TargetOptions & { limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isSafeInteger(limit) || limit < 1) throw new FerryError(ErrorCodes.USAGE, `--limit ${opts.limit}: expected a positive number`);
      const target = await resolveTarget(opts);
      const file = dirtyFileOf(run, engineOptions(target).runsDir!);
      const records = await readDirty(file, limit);
      await resolveLines(records);
      if (opts.json) {
        process.stdout.write(records.map((r) => JSON.stringify(r) + '\n').join(''));
        return;
      }
      if (records.length === 0) {
        process.stdout.write(`no dirty records in run ${run}\n`);
        return;
      }
      process.stdout.write(records.map((r) => formatDirty(r) + '\n').join(''));
    }),
  );
  return cmd;
}
