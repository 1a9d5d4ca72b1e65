/**
 * Runs a plugin the way the engine does, in this thread: validate the
 * config, then the hooks in order, each failure wrapped with the plugin
 * name and hook (`wrapPluginError`), as a job run would report it.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { validate } from '../config-schema.js';
import { wrapPluginError } from '../errors.js';
import type { ReaderPlugin, WriterPlugin } from '../plugin.js';
import { makeGetter } from '../convert-values.js';
import { createConverter, planConvert } from '../convert.js';
import { channelContext, jobContext, type ContextOptions } from './contexts.js';

/** What reading a whole source gave. */
export interface ReadOutcome {
  schema: Schema;
  splits: unknown[];
  /** The batches of each split, in split order. */
  batches: RecordBatch[][];
  /** Every row as plain values (column name -> value), split after split. */
  rows: Record<string, unknown>[];
  counters: Record<string, number>;
  dirty: { value: unknown; reason: string }[];
}

/** Options of `drive`. */
export interface DriveOptions extends ContextOptions {
  /** The channel count the reader is told (`advice`); default 1. */
  channels?: number;
}

async function hook<T>(plugin: string, name: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw wrapPluginError(err, plugin, name);
  }
}

/** The rows of a batch as plain values (column name -> value). */
export function batchRows(batch: RecordBatch): Record<string, unknown>[] {
  const fields = batch.schema.fields;
  const getters = fields.map((f, c) => makeGetter(batch.data.children[c]!, f));
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    fields.forEach((f, c) => (row[f.name] = getters[c]!(i)));
    out.push(row);
  }
  return out;
}

/** Reads everything a reader gives for `rawConfig` (validated first), split by split. */
export async function drive(plugin: ReaderPlugin, rawConfig: unknown, opts: DriveOptions = {}): Promise<ReadOutcome> {
  const config = validate(plugin.config, rawConfig, 'reader');
  const ctx = jobContext(opts);
  const schema = await hook(plugin.name, 'schema', () => plugin.schema(config, ctx));
  const splits = await hook(plugin.name, 'split', () => plugin.split(config, { ...ctx, advice: opts.channels ?? 1 }));
  const out: ReadOutcome = { schema, splits, batches: [], rows: [], counters: {}, dirty: [] };
  for (const [i, split] of splits.entries()) {
    const cctx = channelContext(i, opts);
    const batches: RecordBatch[] = [];
    try {
      for await (const b of plugin.read(split, { ...cctx, config, schema })) batches.push(b);
    } catch (err) {
      throw wrapPluginError(err, plugin.name, 'read');
    }
    out.batches.push(batches);
    for (const b of batches) out.rows.push(...batchRows(b));
    for (const [k, v] of Object.entries(cctx.counters)) out.counters[k] = (out.counters[k] ?? 0) + v;
    out.dirty.push(...cctx.dirtyRecords);
  }
  return out;
}

/** What a write through a writer gave. */
export interface WriteOutcome {
  /** The writer's destination schema (null: it takes the source's). */
  schema: Schema | null;
  commit: Record<string, unknown> | void;
}

/**
 * Writes `channels` (each a list of batches, one channel per element)
 * through a writer: schema, prepare, open/write/close per channel, commit.
 * With `abort` set, the write is aborted instead of committed once the
 * channels closed; a failure aborts it too, then is thrown.
 */
export async function driveWriter(plugin: WriterPlugin, rawConfig: unknown, source: Schema, channels: RecordBatch[][], opts: ContextOptions & { abort?: boolean } = {}): Promise<WriteOutcome> {
  const config = validate(plugin.config, rawConfig, 'writer');
  const ctx = jobContext(opts);
  const schema = await hook(plugin.name, 'schema', () => plugin.schema(config, ctx));
  const handle = await hook(plugin.name, 'prepare', () => plugin.prepare(config, { ...ctx, schema: schema ?? source }));
  // As in a run: batches are converted to the writer's types first.
  const convert = createConverter(planConvert(source, schema), source, schema);
  const segments: unknown[] = [];
  try {
    for (const [i, batches] of channels.entries()) {
      const sink = await hook(plugin.name, 'open', () => plugin.open(handle, channelContext(i, opts)));
      for (const b of batches) {
        const { batch } = convert(b);
        await hook(plugin.name, 'write', () => sink.write(batch));
      }
      segments.push(...(await hook(plugin.name, 'close', () => sink.close())));
    }
    if (opts.abort) {
      await hook(plugin.name, 'abort', () => plugin.abort(handle, segments, ctx));
      return { schema, commit: undefined };
    }
    return { schema, commit: await hook(plugin.name, 'commit', () => plugin.commit(handle, segments, ctx)) };
  } catch (err) {
    await plugin.abort(handle, segments, ctx);
    throw err;
  }
}
