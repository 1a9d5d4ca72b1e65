/**
 * The `file` reader (`@ferry/reader-httpfile/file`): text and CSV files on
 * the local disk, as DataX's txtfilereader reads them. It shares httpfile's
 * framers, encodings and columns; it is its own plugin because its keys
 * differ (`path` patterns instead of URLs, no HTTP settings).
 */
import { defineReader } from '@ferry/core';
import { fileBaseline } from './file-baseline.js';
import { fileConfigSchema, normalizeFileConfig, type FileConfig } from './file-config.js';
import { readFileSplit } from './file-read.js';
import type { FileRange } from './file-regions.js';
import { planFileSplits } from './file-split.js';
import type { ReadContext } from './read.js';
import { buildSchema } from './schema.js';

const normalized = new WeakMap<object, ReturnType<typeof normalizeFileConfig>>();

function resolve(raw: FileConfig) {
  let cfg = normalized.get(raw);
  if (!cfg) {
    cfg = normalizeFileConfig(raw);
    normalized.set(raw, cfg);
  }
  return cfg;
}

export default defineReader<FileConfig, FileRange>({
  name: 'file',
  description: 'text and CSV files on the local disk: paths and globs, byte-range splits, gzip/deflate, any ASCII-compatible encoding',
  config: fileConfigSchema,
  schema: (config) => buildSchema(resolve(config)),
  split: (config, ctx) => planFileSplits(resolve(config), ctx.baseDir, ctx.advice),
  read: (split, ctx) => readFileSplit(split, resolve(ctx.config), ctx.schema, ctx as ReadContext),
  baseline: (config, ctx) => fileBaseline(resolve(config), ctx),
});

export { fileConfigSchema, type FileConfig } from './file-config.js';
export type { FileRange } from './file-regions.js';
