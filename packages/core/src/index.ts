/**
 * `@ferry/core`: the plugin API (defineReader/defineWriter, contexts, config
 * schemas, FerryError, ferry types, batch builders). Embedders also have
 * `@ferry/core/engine` (runJob, prepareJob, plugin resolution), value
 * helpers `@ferry/core/values`, the error contract alone
 * `@ferry/core/errors`, and plugin tests `@ferry/core/testing`. The engine
 * (and its worker pool) is not loaded by a plugin that imports this entry.
 */
export * from './errors.js';
export * from './config-schema.js';
export * from './plugin.js';
export * from './types.js';
export * from './values.js';
export * from './columns.js';
export * from './log.js';
export * from './redact.js';
export * from './process-identity.js';
export { categoryOf, formatValue, makeGetter, normalizeNumber, formatFloat32, type Category } from './convert-values.js';
export * from './scheduling-params.js';
export { setRowSource, rowSourceOf, describeRowSource, type RowSource, type RowLocator } from './row-source.js';
export { formatProgress, formatBytes, formatByteRate, formatEta } from './progress-format.js';
