/** Reads one split of the `file` reader: local bytes -> whole lines -> UTF-8 -> framed rows -> Arrow batches. */
import type { RecordBatch, Schema } from 'apache-arrow';
import type { ReaderConfig } from './config.js';
import { fileRegions, type FileRange } from './file-regions.js';
import { createFramer, dirtyReporter, lineLocator, takeBatch, type ReadContext } from './read.js';
import { Utf8Gate } from './utf8-gate.js';

const MAX_ROWS = 64 * 1024;

export async function* readFileSplit(split: FileRange, cfg: ReaderConfig, schema: Schema, ctx: ReadContext): AsyncGenerator<RecordBatch> {
  const where = lineLocator(split.path, split.start);
  const dirty = dirtyReporter(ctx, where);
  const gate = new Utf8Gate(cfg.encoding, cfg.invalidChars, (n) => ctx.count('invalidChars', n), dirty);
  const framer = createFramer(cfg, cfg.skipHeader && split.start === 0, dirty);
  const onOverlong = (head: Buffer, length: number) => dirty(head.toString('utf8') + '...', `line of ${length} bytes is longer than maxLineBytes (${cfg.maxLineBytes})`);
  for await (const region of fileRegions(split, cfg, ctx.signal, onOverlong)) {
    framer.push(gate.pass(region));
    if (framer.byteLength() >= cfg.batchBytes || framer.rows >= MAX_ROWS) yield takeBatch(schema, framer, where);
  }
  framer.end();
  if (framer.rows > 0) yield takeBatch(schema, framer, where);
}
