/**
 * `@ferry/core/channel`: the plugin API without config schemas, so without
 * zod. Code that runs in channel threads (a plugin's channel module and
 * what it imports: `read`, `open`) imports from here; a channel thread that
 * loads only this entry and the engine's worker module loads no zod (~35 ms
 * and ~30 modules less per thread). The main entry `@ferry/core` is this
 * plus the config schemas (`t`, `z`, `validate`) and the CLI's helpers.
 */
export * from './errors.js';
export * from './plugin.js';
export * from './types.js';
export * from './values.js';
export * from './columns.js';
export * from './log.js';
export * from './redact.js';
export * from './process-identity.js';
export { categoryOf, formatValue, makeGetter, normalizeNumber, formatFloat32, type Category } from './convert-values.js';
export { setRowSource, rowSourceOf, describeRowSource, type RowSource, type RowLocator } from './row-source.js';
export { recycleColumns, takeBuffer, giveBuffer, pooledBytes } from './buffer-pool.js';
