export * from './errors.js';
export * from './config-schema.js';
export * from './plugin.js';
export * from './types.js';
export * from './values.js';
export * from './columns.js';
export * from './run-types.js';
