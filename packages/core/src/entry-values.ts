/**
 * `@ferry/core/values`: Arrow column builders and value helpers (dates,
 * decimals, the number formatters MySQL's way). The one copy of each:
 * other packages import these rather than keep their own.
 */
export * from './columns.js';
export * from './values.js';
export { categoryOf, formatValue, makeGetter, normalizeNumber, formatFloat32, type Category } from './convert-values.js';
