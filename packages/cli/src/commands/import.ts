/**
 * `ferry import datax JOB.json [-o ferry-job.json]`: converts a DataX job or
 * a DataWorks script-mode job. Exit 0: complete; 3: written, but keys are
 * listed as not carried over; 2: not a DataX job or unreadable.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { ErrorCodes, FerryError } from '@ferry/core';
import { readJobFile } from '@ferry/core/engine';
import { importDataxJob } from '../datax/import-job.js';

/** Exit code of an import that wrote a job but could not carry every key over. */
export const EXIT_INCOMPLETE = 3;

export function importCommand(): Command {
  const cmd = new Command('import').description('convert jobs of other tools into ferry jobs');
  cmd
    .command('datax')
    .description('convert a DataX job (or DataWorks script-mode JSON) into a ferry job; exit 0 when complete, 3 when keys were not carried over (each is listed)')
    .argument('<job>', 'DataX job file (JSON)')
    .option('-o, --output <file>', 'write the ferry job here (default: print it)')
    .option('--force', 'overwrite the output file')
    .action(async (jobPath: string, opts: { output?: string; force?: boolean }) => {
      const path = resolve(jobPath);
      const raw = await readJobFile(path);
      const result = await importDataxJob(raw, { source: jobPath, baseDir: dirname(path) });
      const text = JSON.stringify(result.job, null, 2) + '\n';
      if (opts.output) {
        try {
          await writeFile(resolve(opts.output), text, { flag: opts.force ? 'w' : 'wx' });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FerryError(ErrorCodes.USAGE, `${opts.output} exists (add --force to overwrite it)`);
          throw new FerryError(ErrorCodes.USAGE, `cannot write ${opts.output}: ${(err as Error).message}`);
        }
      } else process.stdout.write(text);
      for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
      for (const d of result.dropped) process.stderr.write(`not carried over: ${d.key}: ${d.why}\n`);
      const what = result.kind === 'datax' ? 'DataX' : 'DataWorks';
      const where = opts.output ? `wrote ${opts.output}` : 'printed the ferry job';
      if (result.dropped.length === 0) {
        process.stderr.write(`${where}: the ${what} job was converted completely\n`);
        process.exitCode = 0;
      } else {
        process.stderr.write(`${where}: INCOMPLETE, ${result.dropped.length} key(s) of the ${what} job not carried over (listed above); exit ${EXIT_INCOMPLETE}\n`);
        process.exitCode = EXIT_INCOMPLETE;
      }
    });
  return cmd;
}
