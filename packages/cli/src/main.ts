/**
 * The `ferry` command. Each command lives in `commands/<name>.ts` and exports
 * a function that builds its commander Command.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ErrorCodes, isFerryError, isUsageError, redactError } from '@ferry/core/errors';

/**
 * Every command, by name, loaded only when it runs: `ferry table count` does
 * not load DuckDB, the engine or the workflow layer it does not use (each
 * command module and what it imports is 20-300 ms of start-up). Help and
 * unknown names load them all.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand(),
  plugin: async () => (await import('./commands/plugin.js')).pluginCommand(),
  table: async () => (await import('./commands/table.js')).tableCommand(),
  sql: async () => (await import('./commands/sql.js')).sqlCommand(),
  workflow: async () => (await import('./commands/workflow.js')).workflowCommand(),
  datasource: async () => (await import('./commands/datasource.js')).datasourceCommand(),
  scheduler: async () => (await import('./commands/scheduler.js')).schedulerCommand(),
  import: async () => (await import('./commands/import.js')).importCommand(),
  store: async () => (await import('./commands/store.js')).storeCommand(),
  dirty: async () => (await import('./commands/dirty.js')).dirtyCommand(),
  preview: async () => (await import('./commands/preview.js')).previewCommand(),
  bench: async () => (await import('./commands/bench.js')).benchCommand(),
  state: async () => (await import('./commands/state.js')).stateCommand(),
  worker: async () => (await import('./commands/worker.js')).workerCommand(),
  workers: async () => (await import('./commands/worker.js')).workersCommand(),
  ui: async () => (await import('./commands/ui.js')).uiCommand(),
  runs: async () => (await import('./commands/runs.js')).runsCommand(),
};

/** The command `argv` runs (its first word that is not a global option), if it names one. */
function commandOf(argv: string[]): string | undefined {
  const first = argv.find((a) => a !== '--debug');
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

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
  // Subcommands added with addCommand do not inherit exitOverride: without it commander calls process.exit(1) on a usage mistake.
  const override = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ writeErr: (s) => process.stderr.write(s) });
    for (const sub of c.commands) override(sub);
  };
  try {
    const only = commandOf(argv);
    const versionOnly = argv.length === 1 && (argv[0] === '-V' || argv[0] === '--version');
    const wanted = only ? [only] : versionOnly ? [] : Object.keys(COMMANDS);
    for (const c of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) program.addCommand(c);
    override(program);
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
