/**
 * The catalog: table definitions per project, and partition metadata (rows,
 * bytes, the committed Parquet files, last modification) so counts never
 * read data.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCodes, FerryError, ferryField } from '@ferry/core/channel';
import { Schema } from 'apache-arrow';
import { formatDdl, parseDdl, type ColumnDef, type CreateTable } from './ddl-parser.js';
import { purgeTrash, trashSync } from './trash.js';
import type { Store } from './store.js';

/** A table as the catalog keeps it. */
export interface TableDef {
  /** Unique per CREATE: a dropped and re-created table has a new id (commits check it). */
  id: string;
  project: string;
  name: string;
  columns: ColumnDef[];
  partitionColumns: ColumnDef[];
  comment?: string;
  lifecycle?: number;
  /** ISO time of creation. */
  createdAt: string;
  /** The DDL text it was created with. */
  ddl: string;
}

/** Statistics of one column in one data file (min/max as text; absent when not computed). */
export interface ColumnStats {
  min?: string;
  max?: string;
  nulls: number;
}

/** A committed (or staged) Parquet data file. */
export interface DataFile {
  /** Path relative to the store folder, '/'-separated. */
  path: string;
  rows: number;
  /** Size of the file on disk. */
  bytes: number;
  /** Optional per-column statistics, by column name. */
  stats?: Record<string, ColumnStats>;
}

/** A partition's metadata (a non-partitioned table has one, with spec ''). */
export interface PartitionMeta {
  /** Canonical spec, `dt=20240620/hh=01`, or '' for a non-partitioned table. */
  spec: string;
  /** Partition column -> canonical value text. */
  values: Record<string, string>;
  rows: number;
  /** Bytes of its files on disk. */
  bytes: number;
  files: DataFile[];
  /** Milliseconds since the epoch of the last commit into it (lifecycle counts from here). */
  lastModified: number;
  createdAt: number;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The longest project, table or column name (as MaxCompute); keeps every catalog key far below LMDB's limit. */
export const MAX_NAME_LENGTH = 128;

/** Checks a project or table name (letters, digits, _; at most 128 characters). */
export function checkName(kind: 'project' | 'table' | 'column', name: string): string {
  if (name.length > MAX_NAME_LENGTH)
    throw new FerryError(ErrorCodes.USAGE, `${kind} name ${JSON.stringify(name.slice(0, 32))}... is ${name.length} characters long; at most ${MAX_NAME_LENGTH} are allowed`);
  if (!NAME_RE.test(name)) throw new FerryError(ErrorCodes.USAGE, `${kind} name ${JSON.stringify(name)} must be letters, digits and _ (not starting with a digit)`);
  return name.toLowerCase();
}

export const tableKey = (project: string, table: string) => `${project}/${table}`;
export const partitionKey = (project: string, table: string, spec: string) => `${project}/${table}/${spec}`;
/** Key range of every partition of a table. */
export const partitionRange = (project: string, table: string) => ({ start: `${project}/${table}/`, end: `${project}/${table}0` });

/** What `createTable` did with each statement. */
export interface CreateResult {
  table: TableDef;
  /** False when IF NOT EXISTS found the table already there. */
  created: boolean;
}

/**
 * Runs CREATE TABLE statements (one or more) in `project` (a `proj.table`
 * name in the DDL wins). An existing table is an error unless IF NOT EXISTS.
 */
export async function createTable(store: Store, project: string, ddlText: string): Promise<CreateResult[]> {
  const stmts = parseDdl(ddlText);
  const results: CreateResult[] = [];
  for (const stmt of stmts) {
    const proj = checkName('project', stmt.project ?? project);
    const def = toDef(proj, stmt);
    const created = store.env.transactionSync(() => {
      const key = tableKey(proj, def.name);
      if (store.catalog.get(key)) return false;
      store.catalog.putSync(key, def);
      return true;
    });
    if (!created && !stmt.ifNotExists) {
      throw new FerryError(ErrorCodes.STORE, `table ${proj}.${def.name} already exists in ${store.dir} (use CREATE TABLE IF NOT EXISTS, or drop it first)`);
    }
    results.push({ table: created ? def : getTable(store, proj, def.name)!, created });
  }
  await store.env.flushed;
  return results;
}

function toDef(project: string, stmt: CreateTable): TableDef {
  checkName('table', stmt.name);
  for (const c of [...stmt.columns, ...stmt.partitionColumns]) checkName('column', c.name);
  const id = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  const def: TableDef = {
    id,
    project,
    name: stmt.name,
    columns: stmt.columns,
    partitionColumns: stmt.partitionColumns,
    createdAt: new Date().toISOString(),
    ddl: formatDdl({ ...stmt, project: undefined }),
  };
  if (stmt.comment) def.comment = stmt.comment;
  if (stmt.lifecycle) def.lifecycle = stmt.lifecycle;
  return def;
}

/** A table's definition, or undefined. */
export function getTable(store: Store, project: string, table: string): TableDef | undefined {
  if (table.length > MAX_NAME_LENGTH || project.length > MAX_NAME_LENGTH) checkName(table.length > MAX_NAME_LENGTH ? 'table' : 'project', table.length > MAX_NAME_LENGTH ? table : project);
  return store.catalog.get(tableKey(project, table.toLowerCase())) as TableDef | undefined;
}

/** A table's definition; a FerryError naming the table, project and store when missing. */
export function requireTable(store: Store, project: string, table: string): TableDef {
  const def = getTable(store, project, table);
  if (!def) {
    const others = listTables(store, project).map((t) => t.name);
    const hint = others.length ? ` (tables there: ${others.slice(0, 10).join(', ')}${others.length > 10 ? ', ...' : ''})` : ' (the project has no tables; create it with `ferry table create`)';
    throw new FerryError(ErrorCodes.NOT_FOUND, `table ${table} does not exist in project ${project} of store ${store.dir}${hint}`);
  }
  return def;
}

/** Every table of a project, by name. */
export function listTables(store: Store, project: string): TableDef[] {
  if (project.length > MAX_NAME_LENGTH) checkName('project', project);
  const out: TableDef[] = [];
  for (const { value } of store.catalog.getRange({ start: `${project}/`, end: `${project}0` })) out.push(value as TableDef);
  return out;
}

/** Every project that has tables. */
export function listProjects(store: Store): string[] {
  const out = new Set<string>();
  for (const key of store.catalog.getKeys()) out.add(String(key).split('/')[0]!);
  return [...out];
}

/** The Arrow schema of a table's data columns (partition columns are not in the data files). */
export function tableSchema(def: TableDef): Schema {
  return new Schema(def.columns.map((c) => ferryField(c.name, c.type, { comment: c.comment })));
}

/** Every partition's metadata, in spec order. */
export function listPartitions(store: Store, project: string, table: string): PartitionMeta[] {
  const def = requireTable(store, project, table);
  const out: PartitionMeta[] = [];
  for (const { value } of store.partitions.getRange(partitionRange(project, def.name))) out.push(value as PartitionMeta);
  return out;
}

/**
 * Drops a table: its definition and partitions in one transaction; its
 * files are deleted once no reader that started before needs them.
 * Returns false when it did not exist (and `ifExists`).
 */
export async function dropTable(store: Store, project: string, table: string, opts: { ifExists?: boolean } = {}): Promise<boolean> {
  const def = opts.ifExists ? getTable(store, project, table) : requireTable(store, project, table);
  if (!def) return false;
  store.env.transactionSync(() => {
    const paths: string[] = [];
    for (const { key, value } of Array.from(store.partitions.getRange(partitionRange(project, def.name)))) {
      for (const f of (value as PartitionMeta).files) paths.push(f.path);
      store.partitions.removeSync(key);
    }
    store.catalog.removeSync(tableKey(project, def.name));
    trashSync(store, paths);
  });
  await store.env.flushed;
  await purgeTrash(store);
  return true;
}
