import { Command } from 'commander';

/** `ferry run <job>`: runs one sync job. */
export function runCommand(): Command {
  return new Command('run').description('run a sync job').argument('<job>', 'job file (JSON or YAML)');
}
