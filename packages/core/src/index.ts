/**
 * `@ferry/core`: the plugin API (defineReader/defineWriter, contexts, config
 * schemas, FerryError, ferry types, batch builders). Embedders also have
 * `@ferry/core/engine` (runJob, prepareJob, plugin resolution), value
 * helpers `@ferry/core/values`, the error contract alone
 * `@ferry/core/errors`, the zod-free part of this entry for code in
 * channel threads `@ferry/core/channel`, and plugin tests `@ferry/core/testing`. The engine
 * (and its worker pool) is not loaded by a plugin that imports this entry.
 */
export * from './entry-channel.js';
export * from './config-schema.js';
export * from './scheduling-params.js';
export { formatProgress, formatBytes, formatByteRate, formatEta, formatInt } from './progress-format.js';
