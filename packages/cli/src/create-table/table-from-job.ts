/**
 * Creating a job's destination table from its reader's schema
 * (`"createTable": true` on the table writer, `ferry table create
 * --from-job JOB`): column names from the reader (or the writer's
 * `columns`), types by type-mapping.ts, partition columns (STRING) from the
 * writer's `partition`. An existing table is checked, never altered: one
 * that does not match is an error naming the columns.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import { createTable, getTable, openStore, resolveStoreDir, type TableDef } from '@ferry/writer-table';
import type { LoadedJob } from '../job-setup.js';
import { tableTypeOf } from './type-mapping.js';

/** What was done: the DDL, and whether the table was created now. */
export interface TableFromJob {
  table: string;
  ddl: string;
  created: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The table a job needs. */
interface Wanted {
  project: string;
  table: string;
  columns: { name: string; type: string }[];
  partitions: string[];
  ddl: string;
  /** True when the writer names its columns: the table may have more. */
  subset: boolean;
}

/** The CREATE TABLE statement for a job's destination, from its reader's schema. */
export async function ddlFromJob(loaded: LoadedJob): Promise<Wanted> {
  const { reader, writer, readerConfig, writerConfig, ctx, writerCtx } = loaded;
  if (writer.name !== 'table') throw new FerryError(ErrorCodes.USAGE, `${loaded.path}: the writer is ${writer.name}; only the table writer's destination can be created`);
  const w = writerConfig as { table: string; partition?: string; columns?: string[] };
  const settings = writerCtx.settings as { project?: string };
  const dot = w.table.indexOf('.');
  const project = (dot < 0 ? (settings.project ?? 'default') : w.table.slice(0, dot)).toLowerCase();
  const table = (dot < 0 ? w.table : w.table.slice(dot + 1)).toLowerCase();
  const schema = await reader.schema(readerConfig, ctx);
  if (w.columns && w.columns.length !== schema.fields.length) {
    throw new FerryError(ErrorCodes.CONFIG, `writer.columns: ${w.columns.length} name(s) for the reader's ${schema.fields.length} column(s) (${schema.fields.map((f) => f.name).join(', ')})`);
  }
  const columns = schema.fields.map((f, i) => {
    const name = (w.columns?.[i] ?? f.name).toLowerCase();
    if (!NAME.test(name))
      throw new FerryError(ErrorCodes.CONFIG, `reader column ${i} is named ${JSON.stringify(name)}, which cannot be a table column (letters, digits, _): give the names in writer.columns`);
    return { name, type: tableTypeOf(f) };
  });
  const partitions = (w.partition ?? '')
    .split(',')
    .map((p) => p.split('=')[0]!.trim().toLowerCase())
    .filter(Boolean);
  const clash = partitions.find((p) => columns.some((c) => c.name === p));
  if (clash) throw new FerryError(ErrorCodes.CONFIG, `partition column ${clash} is also a reader column; rename one (writer.columns)`);
  const ddl = `CREATE TABLE ${project}.${table} (\n${columns.map((c) => `  ${c.name} ${c.type.toUpperCase()}`).join(',\n')}\n)${partitions.length ? `\nPARTITIONED BY (${partitions.map((p) => `${p} STRING`).join(', ')})` : ''};`;
  return { project, table, columns, partitions, ddl, subset: w.columns !== undefined };
}

/** Creates the table, or checks that the existing one has the same columns and partition columns. */
export async function ensureTableFromJob(loaded: LoadedJob): Promise<TableFromJob> {
  const want = await ddlFromJob(loaded);
  const settings = loaded.writerCtx.settings as { storeDir?: string };
  const store = openStore(resolveStoreDir(settings.storeDir));
  try {
    const existing = getTable(store, want.project, want.table);
    if (existing) {
      checkMatch(existing, want);
      return { table: `${want.project}.${want.table}`, ddl: existing.ddl, created: false };
    }
    const [result] = await createTable(store, want.project, want.ddl.replace(/^CREATE TABLE /, 'CREATE TABLE IF NOT EXISTS '));
    if (result && !result.created) checkMatch(result.table, want); // created by someone else meanwhile
    return { table: `${want.project}.${want.table}`, ddl: want.ddl, created: Boolean(result?.created) };
  } finally {
    await store.close();
  }
}

function checkMatch(def: TableDef, want: Wanted): void {
  const problems: string[] = [];
  const have = new Map(def.columns.map((c) => [c.name, c.type]));
  for (const c of want.columns) {
    const t = have.get(c.name);
    if (t === undefined) problems.push(`${c.name} (${c.type.toUpperCase()} from the reader) is not in the table`);
    else if (t !== c.type) problems.push(`${c.name} is ${t.toUpperCase()} in the table, ${c.type.toUpperCase()} from the reader`);
  }
  const extra = def.columns.filter((c) => !want.columns.some((w) => w.name === c.name)).map((c) => c.name);
  if (extra.length && !want.subset) problems.push(`${extra.join(', ')} only in the table`);
  const parts = def.partitionColumns.map((c) => c.name);
  if (parts.join(',') !== want.partitions.join(','))
    problems.push(`partitioned by (${parts.join(', ') || 'nothing'}) in the table, (${want.partitions.join(', ') || 'nothing'}) from the job's partition`);
  if (problems.length) {
    throw new FerryError(ErrorCodes.CONFIG, `table ${def.project}.${def.name} exists and does not match the job (it is never altered): ${problems.join('; ')}`);
  }
}
