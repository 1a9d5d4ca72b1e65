/**
 * The `file` reader (`@ferry/reader-httpfile/file`): text and CSV files on
 * the local disk, as DataX's txtfilereader reads them. It shares httpfile's
 * framers, encodings and columns; it is its own plugin because its keys
 * differ (`path` patterns instead of URLs, no HTTP settings).
 */
import { defineReader } from '@ferry/core';
import { fileBaseline } from './file-baseline.js';
import { fileConfigSchema, type NormalizedFileConfig } from './file-config.js';
import channel from './file.channel.js';
import type { FileRange } from './file-regions.js';
import { planFileSplits } from './file-split.js';
import { buildSchema } from './schema.js';

// The config the hooks get is normalized by the schema, once, when the job is validated.
export default defineReader<NormalizedFileConfig, FileRange>({
  name: 'file',
  description: 'text and CSV files on the local disk: paths and globs, byte-range splits, gzip/deflate, any ASCII-compatible encoding',
  config: fileConfigSchema,
  schema: (config) => buildSchema(config),
  split: (config, ctx) => planFileSplits(config, ctx.baseDir, ctx.advice),
  read: channel.read,
  baseline: (config, ctx) => fileBaseline(config, ctx),
});

export { fileConfigSchema, type FileConfig } from './file-config.js';
export type { FileRange } from './file-regions.js';
