/**
 * @ferry/reader-httpfile: text and CSV files over HTTP, at the speed of the
 * wire. Plugin name `httpfile`.
 */
import { defineReader } from '@ferry/core';
import { baseline } from './baseline.js';
import { checkUrls } from './check.js';
import { configSchema, normalizeConfig, type RawConfig, type ReaderConfig } from './config.js';
import { readSplit, type ReadContext } from './read.js';
import { buildSchema } from './schema.js';
import { planSplits, type HttpSplit } from './split.js';
import { logStateKey, planIncremental } from './incremental.js';

const normalized = new WeakMap<object, ReaderConfig>();

/** The normalized config (URLs joined, columns resolved), computed once per config object. */
function resolve(raw: RawConfig): ReaderConfig {
  let cfg = normalized.get(raw);
  if (!cfg) {
    cfg = normalizeConfig(raw);
    normalized.set(raw, cfg);
  }
  return cfg;
}

export default defineReader<RawConfig, HttpSplit>({
  name: 'httpfile',
  description: 'text and CSV files over HTTP(S): Range splits, resume, gzip/deflate, any ASCII-compatible encoding',
  config: configSchema,
  schema: (config) => buildSchema(resolve(config)),
  stateKey: (config) => (resolve(config).incremental ? logStateKey(resolve(config)) : undefined),
  split: (config, ctx) => (resolve(config).incremental ? planIncremental(resolve(config), ctx.state, ctx.signal) : planSplits(resolve(config), ctx.advice, ctx.signal)),
  read: (split, ctx) => readSplit(split, resolve(ctx.config), ctx.schema, ctx as ReadContext),
  check: (config, ctx) => checkUrls(resolve(config), ctx.signal),
  baseline: (config, ctx) => baseline(resolve(config), ctx),
});

export { configSchema, normalizeConfig, joinUrl, COLUMN_TYPES } from './config.js';
export type { RawConfig as HttpFileConfig, ReaderConfig, Column, ColumnType } from './config.js';
export type { HttpSplit } from './split.js';
export { SOURCE_TYPE_KEY } from './schema.js';
export { expandPattern, resolvePaths, toLocalPath, hasWildcard } from './glob.js';
