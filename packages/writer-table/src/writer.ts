/**
 * The `table` writer plugin: writes a job's rows into one partition of a
 * store table. Channels stage Parquet files from their workers; the commit
 * publishes them all in one transaction (overwrite or append).
 */
import { defineWriter, ErrorCodes, FerryError, t, type Infer } from '@ferry/core';
import { Schema } from 'apache-arrow';
import { requireTable, tableSchema, type DataFile, type TableDef } from './catalog.js';
import { commitWrite, type CommitResult } from './commit.js';
import { gc } from './lifecycle.js';
import { abortWrite, beginWrite } from './pending.js';
import { writeSpec } from './partition-spec.js';
import { COMPRESSIONS, compressor, DEFAULT_COMPRESSION } from './parquet-codec.js';
import { DEFAULT_FILE_BYTES } from './parquet-writer.js';
import channel from './index.channel.js';
import { settingsOf } from './settings.js';
import { getState, putStateSync, stateKey, templatePartition } from './sync-state.js';
import { openStore, type Store } from './store.js';
import { tableResume } from './resume.js';

const configSchema = t.object({
  table: t.string({ pattern: /^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/, patternText: 'a table name' }).describe('destination table (`name`, or `project.name`)'),
  partition: t.string().optional().describe('destination partition, as in dt=${bizdate} or dt=${bizdate},hh=01; required for a partitioned table'),
  writeMode: t
    .enum(['overwrite', 'append'] as const)
    .default('overwrite')
    .describe('overwrite replaces the partition (INSERT OVERWRITE); append adds to it'),
  columns: t
    .array(t.string({ minLength: 1 }), { minItems: 1 })
    .optional()
    .describe('table columns the reader columns go to, in order; default all; the others are NULL'),
  lockWaitSeconds: t.number({ min: 0 }).default(0).describe('how long to wait for another job writing the same partition before failing'),
  fileBytes: t.integer({ min: 65536 }).default(DEFAULT_FILE_BYTES).describe('Arrow bytes gathered per Parquet data file (memory per channel grows with it)'),
  compression: t
    .enum(COMPRESSIONS)
    .default(DEFAULT_COMPRESSION)
    .describe('Parquet compression of the data files: snappy (every reader), lz4_raw (smaller; Parquet 2.9+ readers), zstd (smallest; Node.js 22.15+), gzip or none'),
  createTable: t.boolean().default(false).describe("create the table from the reader's columns when it does not exist (ferry run does it before reading; see ferry table create --from-job)"),
});

/** The `table` writer's config. */
export type TableWriterConfig = Infer<typeof configSchema>;

/** The serializable handle sent to every channel. */
export interface TableWriteHandle {
  storeDir: string;
  project: string;
  table: string;
  partition: string;
  writeMode: 'overwrite' | 'append';
  writeId: string;
  /** The table columns the incoming batches hold, in order. */
  columns: string[];
  def: TableDef;
  fileBytes: number;
  compression: (typeof COMPRESSIONS)[number];
  /**
   * Set by `ferry worker` on another host: stage the files in this folder
   * (same relative paths as in the store) without opening the store; the
   * coordinator receives them. The store's catalog is never opened there.
   */
  stageDir?: string;
  /** Set by `ferry worker`: the attempt id in the file names (a retried split's files are told apart). */
  attempt?: string;
  /** The partition's lastModified when the write began (null: none): a resume refuses a partition written since. */
  base?: number | null;
  /** Set by `ferry worker` when it uploads the files: the staged copies are temporary (the coordinator fsyncs what it receives). */
  stageTemporary?: boolean;
}

function target(config: TableWriterConfig, project: string): { project: string; table: string } {
  const dot = config.table.indexOf('.');
  if (dot < 0) return { project, table: config.table.toLowerCase() };
  return { project: config.table.slice(0, dot).toLowerCase(), table: config.table.slice(dot + 1).toLowerCase() };
}

function writeColumns(def: TableDef, config: TableWriterConfig): string[] {
  if (!config.columns) return def.columns.map((c) => c.name);
  const names = new Set(def.columns.map((c) => c.name));
  const out: string[] = [];
  for (const [i, raw] of config.columns.entries()) {
    const name = raw.toLowerCase();
    if (!names.has(name)) {
      const part = def.partitionColumns.some((c) => c.name === name) ? ` (${name} is a partition column: set it with "partition")` : '';
      throw new FerryError(ErrorCodes.CONFIG, `writer.columns[${i}]: table ${def.project}.${def.name} has no column ${raw}${part}; its columns are ${[...names].join(', ')}`);
    }
    if (out.includes(name)) throw new FerryError(ErrorCodes.CONFIG, `writer.columns[${i}]: column ${name} is listed twice`);
    out.push(name);
  }
  return out;
}

function destinationSchema(def: TableDef, columns: string[]): Schema {
  const full = tableSchema(def);
  return new Schema(columns.map((c) => full.fields.find((f) => f.name === c)!));
}

/** Writes prepared in this thread: each holds a store reference until commit or abort. */
const preparedHere = new Set<string>();

async function releasePrepared(store: Store, writeId: string): Promise<void> {
  await store.close();
  if (preparedHere.delete(writeId)) await store.close();
}

export default defineWriter<TableWriterConfig, TableWriteHandle, DataFile>({
  name: 'table',
  description: 'writes into a partition of a ferry table store table (overwrite or append, atomic commit)',
  config: configSchema,

  schema(config, ctx) {
    const store = openStore(settingsOf(ctx).storeDir);
    try {
      const { project, table } = target(config, settingsOf(ctx).project);
      const def = requireTable(store, project, table);
      writeSpec(def, config.partition);
      return destinationSchema(def, writeColumns(def, config));
    } finally {
      void store.close();
    }
  },

  async prepare(config, ctx) {
    compressor(config.compression); // an unavailable codec fails here, before anything is read
    const store = openStore(settingsOf(ctx).storeDir);
    const { project, table } = target(config, settingsOf(ctx).project);
    const def = requireTable(store, project, table);
    const partition = writeSpec(def, config.partition);
    const columns = writeColumns(def, config);
    const w = await beginWrite(store, { project, table: def.name, partition, tableId: def.id }, { waitMs: config.lockWaitSeconds * 1000, signal: ctx.signal });
    // The store stays open (ref held) until commit or abort.
    preparedHere.add(w.writeId);
    return {
      storeDir: store.dir,
      project,
      table: def.name,
      partition,
      writeMode: config.writeMode,
      writeId: w.writeId,
      columns,
      def,
      fileBytes: config.fileBytes,
      compression: config.compression,
      base: w.base ?? null,
    };
  },

  open: channel.open,

  loadState(config, ctx) {
    const store = openStore(settingsOf(ctx).storeDir);
    try {
      const { project, table } = target(config, settingsOf(ctx).project);
      return getState(store, stateKey(project, ctx.state, `${project}.${table}`.toLowerCase(), templatePartition(ctx.state.template)))?.value;
    } finally {
      void store.close();
    }
  },

  async commit(handle, segments, ctx) {
    const store = openStore(handle.storeDir);
    try {
      const st = ctx.state;
      // The high-water mark commits with the data, in the same transaction.
      const saveState = st
        ? () => {
            const table = `${handle.project}.${handle.table}`.toLowerCase();
            const partition = templatePartition(st.template);
            putStateSync(store, stateKey(handle.project, st, table, partition), {
              project: handle.project.toLowerCase(),
              job: st.job,
              reader: st.reader,
              table,
              partition,
              value: st.value,
              range: st.range,
              runId: st.runId,
              updatedAt: new Date().toISOString(),
            });
          }
        : undefined;
      const result: CommitResult = await commitWrite(store, handle.writeId, segments.flat(), handle.writeMode, Date.now(), saveState);
      try {
        const dropped = await gc(store, handle.project, { table: handle.table });
        if (dropped.length) ctx.log.info(`lifecycle: dropped ${dropped.length} expired partition(s) of ${handle.project}.${handle.table}`);
      } catch (err) {
        ctx.log.warn(`lifecycle gc of ${handle.project}.${handle.table} failed: ${(err as Error).message}`);
      }
      return { ...result };
    } finally {
      await releasePrepared(store, handle.writeId);
    }
  },

  resume: tableResume(preparedHere, releasePrepared),

  async abort(handle) {
    const store = openStore(handle.storeDir);
    try {
      await abortWrite(store, handle.writeId);
    } finally {
      await releasePrepared(store, handle.writeId);
    }
  },
});
