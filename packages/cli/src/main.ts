/**
 * The `ferry` command. Each command lives in `commands/<name>.ts` and exports
 * a function that builds its commander Command.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ErrorCodes, isFerryError, isUsageError, redactError } from '@ferry/core';
import { benchCommand } from './commands/bench.js';
import { pluginCommand } from './commands/plugin.js';
import { runCommand } from './commands/run.js';
import { sqlCommand } from './commands/sql.js';
import { storeCommand } from './commands/store.js';
import { tableCommand } from './commands/table.js';
import { workflowCommand } from './commands/workflow.js';
import { datasourceCommand } from './commands/datasource.js';
import { schedulerCommand } from './commands/scheduler.js';
import { importCommand } from './commands/import.js';
import { dirtyCommand } from './commands/dirty.js';
import { previewCommand } from './commands/preview.js';
import { stateCommand } from './commands/state.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Exit codes: 0 ok, 1 the work failed, 2 usage or config error. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const program = new Command('ferry')
    .description('ferry: batch data integration into a partitioned table store')
    .version(VERSION, '-V, --version')
    .option('--debug', 'show stack traces and debug logs')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.addCommand(runCommand());
  program.addCommand(pluginCommand());
  program.addCommand(tableCommand());
  program.addCommand(sqlCommand());
  program.addCommand(workflowCommand());
  program.addCommand(datasourceCommand());
  program.addCommand(schedulerCommand());
  program.addCommand(importCommand());
  program.addCommand(storeCommand());
  program.addCommand(dirtyCommand());
  program.addCommand(previewCommand());
  program.addCommand(benchCommand());
  program.addCommand(stateCommand());
  // Subcommands added with addCommand do not inherit exitOverride: without it commander calls process.exit(1) on a usage mistake.
  const override = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ writeErr: (s) => process.stderr.write(s) });
    for (const sub of c.commands) override(sub);
  };
  override(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    return reportError(err, debug);
  }
}

/** Prints an error the way users should see it; returns the exit code. */
export function reportError(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
    return EXIT.USAGE;
  }
  // Whatever failed, its message and stack may echo a secret of the config it was reading.
  redactError(err);
  if (isFerryError(err) && err.code !== ErrorCodes.INTERNAL) {
    process.stderr.write(`ferry: ${err.message}\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    return isUsageError(err.code) ? EXIT.USAGE : EXIT.FAILED;
  }
  const e = err as Error;
  process.stderr.write(`ferry: internal error: ${e?.message ?? String(err)}\n`);
  process.stderr.write((e?.stack ?? '') + '\n');
  return EXIT.FAILED;
}
