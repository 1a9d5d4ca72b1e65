/**
 * @ferry/reader-httpfile: text and CSV files over HTTP, at the speed of the
 * wire. Plugin name `httpfile`.
 */
import { defineReader } from '@ferry/core';
import { baseline } from './baseline.js';
import { checkUrls } from './check.js';
import { configSchema, type ReaderConfig } from './config.js';
import channel from './index.channel.js';
import { buildSchema } from './schema.js';
import { planSplits, type HttpSplit } from './split.js';
import { logStateKey, planIncremental } from './incremental.js';

// The config the hooks get is normalized by the schema (URLs joined, columns resolved), once, when the job is validated.
export default defineReader<ReaderConfig, HttpSplit>({
  name: 'httpfile',
  description: 'text and CSV files over HTTP(S): Range splits, resume, gzip/deflate, any ASCII-compatible encoding',
  config: configSchema,
  schema: (config) => buildSchema(config),
  stateKey: (config) => (config.incremental ? logStateKey(config) : undefined),
  split: (config, ctx) => (config.incremental ? planIncremental(config, ctx.state, ctx.signal) : planSplits(config, ctx.advice, ctx.signal)),
  read: channel.read,
  check: (config, ctx) => checkUrls(config, ctx.signal),
  baseline: (config, ctx) => baseline(config, ctx),
});

export { configSchema, normalizeConfig, joinUrl, COLUMN_TYPES } from './config.js';
export type { RawConfig as HttpFileConfig, ReaderConfig, Column, ColumnType } from './config.js';
export type { HttpSplit } from './split.js';
export { SOURCE_TYPE_KEY } from './schema.js';
export { expandPattern, resolvePaths, toLocalPath, hasWildcard } from './glob.js';
