/**
 * Reads one split: HTTP bytes -> regions of whole lines -> valid UTF-8 ->
 * framed rows -> Arrow RecordBatches of about `batchBytes`. A batch is built
 * only when the channel asks for the next one (backpressure).
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { makeBatch, redactUrl, setRowSource, type ChannelContext, type RowSource } from '@ferry/core/channel';
import type { ReaderConfig } from './config.js';
import { CsvFramer } from './csv-framer.js';
import { createAgent } from './http.js';
import { lineRegions } from './line-source.js';
import type { DirtyFn, Framer } from './row-sink.js';
import type { HttpSplit } from './split.js';
import { DelimitedFramer, WholeLineFramer } from './text-framer.js';
import { Utf8Gate } from './utf8-gate.js';

/** Rows per batch at most, whatever their size (very short lines). */
const MAX_ROWS = 64 * 1024;

/** The channel context, with the dirty-record hook the engine may provide. */
export type ReadContext = ChannelContext & { dirty?: (value: unknown, reason: string, source?: RowSource) => void };

/** Turns a line number of a split into its source position (file, line; `fromByte` when the split starts inside the file). */
export type LineLocator = (line: number) => RowSource;

/** A locator for lines of `file` read from byte `start`. */
export function lineLocator(file: string, start: number): LineLocator {
  return start > 0 ? (line) => ({ file, line, fromByte: start }) : (line) => ({ file, line });
}

/** Where malformed rows go: ctx.dirty (with the line's position) when the engine has it, else a counter. */
export function dirtyReporter(ctx: ReadContext, where?: LineLocator): DirtyFn {
  if (typeof ctx.dirty === 'function') return (row, reason, line) => ctx.dirty!(row, reason, line !== undefined && where ? where(line) : undefined);
  return () => ctx.count('dirty', 1);
}

/** The batch of what the framer holds, with each row's line attached for dirty records found later. */
export function takeBatch(schema: Schema, framer: Framer, where: LineLocator): RecordBatch {
  const batch = makeBatch(schema, framer.finish());
  const lines = framer.lines.take();
  return setRowSource(batch, (r) => (r < lines.length ? where(lines[r]!) : undefined));
}

/** A URL as it may appear in dirty records: no userinfo, no query (signed URLs carry tokens there). */
export function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

export function createFramer(cfg: ReaderConfig, skipFirst: boolean, dirty: DirtyFn): Framer {
  if (cfg.format === 'csv') return new CsvFramer(cfg, skipFirst, dirty);
  if (cfg.wholeLine) return new WholeLineFramer(cfg, skipFirst, dirty);
  return new DelimitedFramer(cfg, skipFirst, dirty);
}

export async function* readSplit(split: HttpSplit, cfg: ReaderConfig, schema: Schema, ctx: ReadContext): AsyncGenerator<RecordBatch> {
  const where = lineLocator(publicUrl(split.url), split.start);
  const dirty = dirtyReporter(ctx, where);
  const gate = new Utf8Gate(cfg.encoding, cfg.invalidChars, (n) => ctx.count('invalidChars', n), dirty);
  const framer = createFramer(cfg, cfg.skipHeader && split.start === 0, dirty);
  const agent = createAgent(cfg);
  const onOverlong = (head: Buffer, length: number) => dirty(head.toString('utf8') + '...', `line of ${length} bytes is longer than maxLineBytes (${cfg.maxLineBytes})`);
  const onRetry = (err: unknown, attempt: number) => {
    ctx.count('httpRetries', 1);
    ctx.log.warn(`${redactUrl(split.url)}: ${(err as Error).message}; resuming (retry ${attempt} of ${cfg.retries})`);
  };
  try {
    const regions = lineRegions(split, { ...cfg, useRange: split.ranges !== false }, agent, ctx.signal, onOverlong, onRetry);
    for await (const region of regions) {
      framer.push(gate.pass(region));
      if (framer.byteLength() >= cfg.batchBytes || framer.rows >= MAX_ROWS) yield takeBatch(schema, framer, where);
    }
    framer.end();
    if (framer.rows > 0) yield takeBatch(schema, framer, where);
  } finally {
    await agent.close().catch(() => {});
  }
}
