/**
 * `ferry table ...`: create tables from DDL, look at them, read them back
 * (count, head, export) and run lifecycle gc, in a store project.
 */
import { ensureTableFromJob } from '../create-table/table-from-job.js';
import { loadJob } from '../job-setup.js';
import { withSignals } from '../run-support.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ErrorCodes, FerryError } from '@ferry/core';
import {
  countRows,
  createTable,
  dropTable,
  MAX_NAME_LENGTH,
  gc,
  listPartitions,
  listTables,
  openStore,
  requireTable,
  reclaimKeptWrites,
  resolveStoreDir,
  sweepOrphans,
  type Store,
} from '@ferry/writer-table';
import { resolveTarget, targetOptions, type TargetOptions } from '../workspace-target.js';
import { bytes, grid } from '../format.js';
import { exportTable, headOutput, TABLE_EXPORT_FORMATS, type TableExportFormat } from './table-read.js';

/** The options every `table` subcommand takes. */
export type StoreOptions = TargetOptions;

/** Adds `--store`, `--project`, `--env` and `--workspace` to a command. */
export const storeOptions = targetOptions;

/**
 * Opens the store the options name (or the workspace's, for --env), runs
 * `fn`, closes it. Only `create` makes a store where there is none; every
 * other command says there is no store there.
 */
export async function withStore<T>(opts: StoreOptions, fn: (store: Store, project: string) => Promise<T> | T, open: { create?: boolean } = {}): Promise<T> {
  const target = await resolveTarget(opts);
  if (target.project.length > MAX_NAME_LENGTH) throw new FerryError(ErrorCodes.USAGE, `--project is ${target.project.length} characters long; at most ${MAX_NAME_LENGTH} are allowed`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(target.project)) throw new FerryError(ErrorCodes.USAGE, `--project ${target.project}: expected letters, digits and _`);
  const store = openStore(resolveStoreDir(target.storeDir), { mustExist: !open.create });
  try {
    return await fn(store, target.project.toLowerCase());
  } finally {
    await store.close();
  }
}

const out = (s: string) => process.stdout.write(s);

/** `table create --from-job`: creates (or checks) the destination and says which, with the DDL. */
async function createFromJobText(job: string, opts: StoreOptions): Promise<string> {
  const r = await withSignals(async (signal) => ensureTableFromJob(await loadJob(job, { ...opts, anyParams: true }, signal)));
  return r.created ? `created table ${r.table}:\n${r.ddl}\n` : `table ${r.table} already exists and matches the job:\n${r.ddl}\n`;
}

function sub(name: string, description: string): Command {
  return storeOptions(new Command(name).description(description));
}

/** `ferry table`: the table store commands. */
export function tableCommand(): Command {
  const cmd = new Command('table').description('tables of the store: create, list, describe, partitions, drop, count, head, export, gc');

  cmd.addCommand(
    sub('create', 'create tables from MaxCompute-style DDL (CREATE TABLE ...)')
      .argument('[file]', 'a file of CREATE TABLE statements')
      .option('--sql <ddl>', 'the DDL text')
      .option('--from-job <job>', "create the job's destination table from its reader's columns (prints the DDL)")
      .action(async (file: string | undefined, opts: StoreOptions & { sql?: string; fromJob?: string }) => {
        if (opts.fromJob !== undefined) {
          if (file !== undefined || opts.sql !== undefined) throw new FerryError(ErrorCodes.USAGE, 'table create: --from-job takes no DDL');
          return void out(await createFromJobText(opts.fromJob, opts));
        }
        if ((file === undefined) === (opts.sql === undefined))
          throw new FerryError(ErrorCodes.USAGE, 'table create: give the DDL with --sql "CREATE TABLE ...", as a FILE, or --from-job JOB (one of them)');
        let ddl = opts.sql;
        if (file !== undefined) {
          try {
            ddl = readFileSync(file, 'utf8');
          } catch (err) {
            throw new FerryError(ErrorCodes.USAGE, `table create: cannot read ${file}: ${(err as Error).message}`);
          }
        }
        await withStore(
          opts,
          async (store, project) => {
            for (const r of await createTable(store, project, ddl!)) {
              out(r.created ? `created table ${r.table.project}.${r.table.name}\n` : `table ${r.table.project}.${r.table.name} already exists (IF NOT EXISTS)\n`);
            }
          },
          { create: true },
        );
      }),
  );

  cmd.addCommand(
    sub('list', 'list the tables of the project')
      .option('--json', 'print JSON')
      .action(async (opts: StoreOptions & { json?: boolean }) => {
        await withStore(opts, (store, project) => {
          const rows = listTables(store, project).map((t) => {
            const parts = listPartitions(store, project, t.name);
            return {
              name: t.name,
              partitions: t.partitionColumns.length ? parts.length : null,
              rows: parts.reduce((n, p) => n + p.rows, 0),
              bytes: parts.reduce((n, p) => n + p.bytes, 0),
              lifecycle: t.lifecycle ?? null,
              comment: t.comment ?? '',
            };
          });
          if (opts.json) return void out(JSON.stringify(rows) + '\n');
          if (rows.length === 0) return void out(`no tables in project ${project} of ${store.dir}\n`);
          out(
            grid(
              ['table', 'partitions', 'rows', 'size', 'lifecycle', 'comment'],
              rows.map((r) => [r.name, r.partitions === null ? '-' : String(r.partitions), String(r.rows), bytes(r.bytes, true), r.lifecycle ? `${r.lifecycle}d` : '-', r.comment]),
            ),
          );
        });
      }),
  );

  cmd.addCommand(
    sub('describe', 'columns, partitioning, lifecycle, size and DDL of a table')
      .argument('<table>')
      .option('--json', 'print JSON')
      .action(async (table: string, opts: StoreOptions & { json?: boolean }) => {
        await withStore(opts, (store, project) => {
          const def = requireTable(store, project, table);
          const parts = listPartitions(store, project, def.name);
          const rows = parts.reduce((n, p) => n + p.rows, 0);
          if (opts.json) return void out(JSON.stringify({ ...def, rows, partitions: parts.length }) + '\n');
          let text = `table ${def.project}.${def.name}${def.comment ? ` -- ${def.comment}` : ''}\n`;
          text += grid(
            ['column', 'type', 'comment'],
            def.columns.map((c) => [c.name, c.type.toUpperCase(), c.comment ?? '']),
          );
          if (def.partitionColumns.length) text += `partitioned by: ${def.partitionColumns.map((c) => `${c.name} ${c.type.toUpperCase()}`).join(', ')}\n`;
          text += `lifecycle: ${def.lifecycle ? `${def.lifecycle} days` : 'none'}\n`;
          text += `rows: ${rows} in ${parts.length} partition(s), ${bytes(
            parts.reduce((n, p) => n + p.bytes, 0),
            true,
          )}\n`;
          text += `data: ${join(store.dir, 'data', def.project, def.name)} (${parts.reduce((n, p) => n + p.files.length, 0)} Parquet file(s))\n`;
          text += `created: ${def.createdAt}\n\n${def.ddl}\n`;
          out(text);
        });
      }),
  );

  cmd.addCommand(
    sub('partitions', 'the partitions of a table with rows, size, files and last modification (--json: the Parquet file paths)')
      .argument('<table>')
      .option('--json', 'print JSON')
      .action(async (table: string, opts: StoreOptions & { json?: boolean }) => {
        await withStore(opts, (store, project) => {
          const parts = listPartitions(store, project, table);
          if (opts.json) {
            return void out(
              JSON.stringify(
                parts.map((p) => ({
                  partition: p.spec,
                  rows: p.rows,
                  bytes: p.bytes,
                  files: p.files.map((f) => ({ path: f.path, rows: f.rows, bytes: f.bytes })),
                  lastModified: new Date(p.lastModified).toISOString(),
                })),
              ) + '\n',
            );
          }
          if (parts.length === 0) return void out('no partitions\n');
          out(
            grid(
              ['partition', 'rows', 'size', 'files', 'last modified'],
              parts.map((p) => [p.spec || '(table)', String(p.rows), bytes(p.bytes, true), String(p.files.length), new Date(p.lastModified).toISOString()]),
            ),
          );
        });
      }),
  );

  cmd.addCommand(
    sub('drop', 'drop a table with all its data')
      .argument('<table>')
      .option('--if-exists', 'no error when the table does not exist')
      .action(async (table: string, opts: StoreOptions & { ifExists?: boolean }) => {
        await withStore(opts, async (store, project) => {
          const dropped = await dropTable(store, project, table, { ifExists: opts.ifExists });
          out(dropped ? `dropped table ${project}.${table.toLowerCase()}\n` : `table ${project}.${table.toLowerCase()} does not exist\n`);
        });
      }),
  );

  cmd.addCommand(
    sub('count', 'number of rows (from partition metadata, instant)')
      .argument('<table>')
      .option('--partition <spec>', 'only these partitions (dt=20240620; may name some partition columns)')
      .action(async (table: string, opts: StoreOptions & { partition?: string }) => {
        await withStore(opts, (store, project) => void out(`${countRows(store, project, table, opts.partition)}\n`));
      }),
  );

  cmd.addCommand(
    sub('head', 'the first rows as a readable table (partition, file and row order)')
      .argument('<table>')
      .option('--partition <spec>', 'only these partitions')
      .option('-n, --rows <n>', 'how many rows', '10')
      .action(async (table: string, opts: StoreOptions & { partition?: string; rows: string }) => {
        const n = Number(opts.rows);
        if (!Number.isSafeInteger(n) || n < 0) throw new FerryError(ErrorCodes.USAGE, `-n ${opts.rows}: expected a number of rows`);
        await withStore(opts, async (store, project) => out(await headOutput(store, project, table, { partition: opts.partition, n })));
      }),
  );

  cmd.addCommand(
    sub('export', 'write rows out as JSON Lines, CSV, Parquet or an Arrow IPC stream')
      .argument('<table>')
      .option('--partition <spec>', 'only these partitions')
      .addOption(new Option('--format <format>', 'output format').choices(TABLE_EXPORT_FORMATS).default('jsonl'))
      .option('-o, --output <file>', 'write to a file (default stdout)')
      .option('--limit <n>', 'stop after n rows')
      .action(async (table: string, opts: StoreOptions & { partition?: string; format: TableExportFormat; output?: string; limit?: string }) => {
        const limit = opts.limit === undefined ? undefined : Number(opts.limit);
        if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) throw new FerryError(ErrorCodes.USAGE, `--limit ${opts.limit}: expected a number of rows`);
        await withStore(opts, async (store, project) => {
          const rows = await exportTable(store, project, table, { format: opts.format, partition: opts.partition, output: opts.output, limit });
          if (opts.output) process.stderr.write(`exported ${rows} rows to ${opts.output}\n`);
        });
      }),
  );

  cmd.addCommand(
    sub('gc', 'drop partitions past their table LIFECYCLE and free their space (also orphaned data files)')
      .option('--now <iso>', 'judge expiry as of this time (default now)')
      .option('--table <table>', 'only this table')
      .option('--dry-run', 'show what would be dropped')
      .option('--resumable', 'also free the staged data failed runs keep for ferry run --resume before their retention ends')
      .action(async (opts: StoreOptions & { now?: string; table?: string; dryRun?: boolean; resumable?: boolean }) => {
        const now = opts.now === undefined ? Date.now() : Date.parse(opts.now);
        if (Number.isNaN(now)) throw new FerryError(ErrorCodes.USAGE, `--now ${opts.now}: expected an ISO time, as in 2024-06-27T00:00:00Z`);
        await withStore(opts, async (store, project) => {
          if (opts.table) requireTable(store, project, opts.table);
          const dropped = await gc(store, project, { now, table: opts.table, dryRun: opts.dryRun });
          const verb = opts.dryRun ? 'would drop' : 'dropped';
          for (const d of dropped) out(`${verb} ${project}.${d.table} ${d.partition || '(all rows)'} (${d.rows} rows, last modified ${d.lastModified})\n`);
          out(`${verb} ${dropped.length} partition(s)\n`);
          if (!opts.dryRun) {
            const kept = reclaimKeptWrites(store, { all: opts.resumable, now });
            if (kept.length) out(`freed the staged data of ${kept.length} failed run(s) kept for --resume${opts.resumable ? '' : ' (retention passed)'}\n`);
            const orphans = await sweepOrphans(store);
            if (orphans) out(`freed ${orphans} orphaned data file(s)\n`);
          }
        });
      }),
  );
  return cmd;
}
