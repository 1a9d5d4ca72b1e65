/**
 * `ferry sql`: read-only SQL over the store's tables, run by DuckDB over the
 * committed Parquet files (see @ferry/writer-table's sql/). One query as an
 * argument, a script with --file, or, with neither, a prompt that runs each
 * statement ending in `;` until Ctrl-D.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { ErrorCodes, FerryError, isFerryError } from '@ferry/core';
import type { Store } from '@ferry/writer-table';
import type { SqlFormat } from '@ferry/writer-table/sql';
import { storeOptions, withStore, type StoreOptions } from './table.js';

interface SqlOptions extends StoreOptions {
  file?: string;
  format: SqlFormat;
  limit: string;
  write?: boolean;
}

interface RunOptions {
  format: SqlFormat;
  limit: number;
  /** INSERT and CREATE TABLE are allowed (--write). */
  write: boolean;
}

/**
 * Runs a script and prints each result. Read-only: one fresh session (a new
 * snapshot of the catalog) for the whole script. With --write: statement by
 * statement, each seeing what the ones before committed; an INSERT prints
 * the rows it wrote.
 */
async function runScript(store: Store, project: string, script: string, opts: RunOptions): Promise<void> {
  // Loaded here: DuckDB's native module costs every other command nothing.
  const { SqlSession, writeResult, runScript: runWrites } = await import('@ferry/writer-table/sql');
  if (opts.write) {
    let first = true;
    // Notes go to stdout only in the table format: csv/json output stays parseable.
    const note = (text: string) => (opts.format === 'table' ? process.stdout : process.stderr).write(`${text}\n`);
    await runWrites(store, script, {
      project,
      write: true,
      async onQuery(result) {
        if (!first && opts.format === 'table') process.stdout.write('\n');
        first = false;
        await writeResult(result, process.stdout, { format: opts.format, limit: opts.limit });
      },
      onInsert(r) {
        const where = r.partition ? ` partition ${r.partition}` : '';
        const replaced = r.writeMode === 'overwrite' ? `, replaced ${r.rowsReplaced}` : '';
        note(`${r.writeMode === 'overwrite' ? 'INSERT OVERWRITE' : 'INSERT INTO'} ${r.table}${where}: ${r.rowsWritten} row(s) written${replaced}`);
      },
      onCreate(results) {
        for (const c of results) note(`CREATE TABLE ${c.table.project}.${c.table.name}: ${c.created ? 'created' : 'exists already'}`);
      },
      onFunction(text) {
        note(text);
      },
    });
    return;
  }
  const session = await SqlSession.open(store, { project });
  try {
    let first = true;
    for await (const { result } of session.run(script)) {
      if (!first && opts.format === 'table') process.stdout.write('\n');
      first = false;
      await writeResult(result, process.stdout, { format: opts.format, limit: opts.limit });
    }
  } finally {
    await session.close();
  }
}

/** The prompt: statements end with `;`; each runs on the catalog as it is when it runs. */
async function prompt(store: Store, project: string, opts: RunOptions): Promise<void> {
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty });
  const ps1 = `${project}> `;
  const ps2 = ' '.repeat(project.length) + '> ';
  if (tty) {
    process.stdout.write(`ferry sql on project ${project} of ${store.dir}: end statements with ';', Ctrl-D to quit\n`);
    rl.setPrompt(ps1);
    rl.prompt();
  }
  let buffer = '';
  let failed: FerryError | undefined;
  const run = async () => {
    const script = buffer;
    buffer = '';
    if (!script.trim()) return;
    try {
      await runScript(store, project, script, opts);
    } catch (err) {
      if (!isFerryError(err)) throw err;
      // A wrong statement does not end the prompt; a script piped in still fails at the end.
      process.stderr.write(`ferry: ${err.message}\n`);
      failed ??= err;
    }
  };
  for await (const line of rl) {
    buffer += (buffer ? '\n' : '') + line;
    if (/;\s*$/.test(line)) await run();
    if (tty) {
      rl.setPrompt(buffer ? ps2 : ps1);
      rl.prompt();
    }
  }
  await run();
  if (tty) process.stdout.write('\n');
  else if (failed) throw new FerryError(failed.code, `a statement failed (see above)`);
}

/** `ferry sql`: read-only SQL (DuckDB) over the tables of the store. */
export function sqlCommand(): Command {
  return storeOptions(new Command('sql'))
    .description('query the tables of the store with SQL (DuckDB; read-only unless --write); no query: a prompt until Ctrl-D')
    .argument('[query]', 'the SQL to run (one or more statements)')
    .option('-f, --file <file>', 'run the SQL in this file')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'jsonl', 'json']).default('table'))
    .option('--limit <n>', 'rows shown by the table format', '1000')
    .option('--write', "allow INSERT OVERWRITE|INTO TABLE t [PARTITION (spec)] SELECT ... and CREATE TABLE (committed into the store like a job's write)")
    .action(async (query: string | undefined, opts: SqlOptions) => {
      const limit = Number(opts.limit);
      if (!Number.isSafeInteger(limit) || limit < 0) throw new FerryError(ErrorCodes.USAGE, `--limit ${opts.limit}: expected a number of rows`);
      if (query !== undefined && opts.file !== undefined) throw new FerryError(ErrorCodes.USAGE, 'sql: give the query as an argument or with --file, not both');
      let script = query;
      if (opts.file !== undefined) {
        try {
          script = readFileSync(opts.file, 'utf8');
        } catch (err) {
          throw new FerryError(ErrorCodes.USAGE, `sql: cannot read ${opts.file}: ${(err as Error).message}`);
        }
      }
      await withStore(opts, async (store, project) => {
        const run = { format: opts.format, limit, write: opts.write === true };
        if (script === undefined) return prompt(store, project, run);
        await runScript(store, project, script, run);
      });
    });
}
