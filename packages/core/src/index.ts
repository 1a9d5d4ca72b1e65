/**
 * `@ferry/core`: the plugin API (defineReader/defineWriter, contexts, config
 * schemas, FerryError, ferry types, batch builders). Embedders also have
 * `@ferry/core/engine` (runJob, prepareJob, plugin resolution), value
 * helpers `@ferry/core/values`, and plugin tests `@ferry/core/testing`.
 * The engine re-exports below stay until every caller imports the subpath.
 */
export * from './errors.js';
export * from './config-schema.js';
export * from './plugin.js';
export * from './types.js';
export * from './values.js';
export * from './columns.js';
export * from './run-types.js';
export * from './log.js';
export * from './redact.js';
export * from './process-identity.js';
export * from './job-config.js';
export * from './job-file.js';
export * from './prepare-job.js';
export * from './resolve-plugin.js';
export * from './convert.js';
export { categoryOf, formatValue, makeGetter, normalizeNumber, formatFloat32, type Category } from './convert-values.js';
export { runJob } from './engine.js';
export { schemaToBytes, schemaFromBytes } from './schema-bytes.js';
export * from './scheduling-params.js';
export { checkDataxShape } from './datax-hints.js';
export { setRowSource, rowSourceOf, describeRowSource, type RowSource, type RowLocator } from './row-source.js';
export { formatProgress, formatBytes, formatByteRate, formatEta } from './progress-format.js';
