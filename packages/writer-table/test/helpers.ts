/** Test helpers: temp stores, plugin contexts, and a whole write through the plugin API. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createBuilders, finishBatch, validate, type ChannelContext, type JobContext, type Logger } from '@ferry/core';
import tableWriter, { openStore, type DataFile, type Store, type TableWriteHandle } from '@ferry/writer-table';
import type { RecordBatch, Schema } from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { runScript, type ScriptOptions } from '@ferry/writer-table/sql';

export const quiet: Logger = { info() {}, warn() {}, debug() {} };

/** Runs `fn` on a connection to a fresh in-memory DuckDB (the reader the tests check files against), closed after. */
export async function withDuckDB<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** A fresh store folder; `cleanup` closes the store and removes the folder. */
export function tempStore(): { dir: string; store: Store; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-table-'));
  const store = openStore(dir);
  return {
    dir,
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function jobCtx(storeDir: string, project = 'default'): JobContext {
  return { log: quiet, signal: new AbortController().signal, params: {}, settings: { storeDir, project }, baseDir: process.cwd(), runDir: storeDir };
}

export function channelCtx(storeDir: string, splitIndex: number, project = 'default'): ChannelContext {
  return { log: quiet, signal: new AbortController().signal, splitIndex, count() {}, dirty() {}, settings: { storeDir, project }, baseDir: process.cwd() };
}

/** A batch in `schema` from rows of JS values (what core's builders accept). */
export function batchOf(schema: Schema, rows: unknown[][]): RecordBatch {
  const builders = createBuilders(schema);
  for (const row of rows) row.forEach((v, i) => builders[i]!.append(v));
  return finishBatch(schema, builders);
}

/**
 * Writes through the plugin: schema, prepare, one channel per element of
 * `channels` (each a list of row lists, one batch per row list), close, commit.
 */
/** The table writer's destination schema for `config` (it always has one). */
export async function destSchema(config: never, ctx: JobContext): Promise<Schema> {
  const schema = await tableWriter.schema(config, ctx);
  if (!schema) throw new Error('the table writer returned no schema');
  return schema;
}

export async function writeTable(
  storeDir: string,
  config: Record<string, unknown>,
  channels: unknown[][][][],
  project = 'default',
  /** Give up each batch once written, as the engine does (its memory may be reused). */
  handOver = false,
): Promise<Record<string, unknown>> {
  const ctx = jobCtx(storeDir, project);
  const cfg = validate(tableWriter.config, config, 'writer') as never;
  const schema = await destSchema(cfg, ctx);
  const handle = (await tableWriter.prepare(cfg, { ...ctx, schema })) as TableWriteHandle;
  const segments: DataFile[] = [];
  try {
    for (const [i, batches] of channels.entries()) {
      const sink = await tableWriter.open(handle, { ...channelCtx(storeDir, i, project), ...(handOver ? { batchesHandedOver: true } : {}) });
      for (const rows of batches) await sink.write(batchOf(schema, rows));
      segments.push(...(await sink.close()));
    }
  } catch (err) {
    await tableWriter.abort(handle, segments, ctx);
    throw err;
  }
  return (await tableWriter.commit(handle, segments, ctx)) as Record<string, unknown>;
}

/** Collects what a stream receives. */
export function collector(): { out: Writable; text: () => string; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { out, text: () => Buffer.concat(chunks).toString('utf8'), bytes: () => Buffer.concat(chunks) };
}

/** Runs a SQL script with writes allowed in project `p` (the SQL tests' project); the rows of its queries as objects. */
export async function scriptRows(store: Store, text: string, extra: Partial<ScriptOptions> = {}): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  await runScript(store, text, {
    project: 'p',
    write: true,
    async onQuery(result) {
      const names = result.columnNames();
      for (const r of await result.getRowsJS()) rows.push(Object.fromEntries(names.map((n, i) => [n, r[i]])));
    },
    ...extra,
  });
  return rows;
}
