/** Internals exposed for tests and benchmarks only (not the public API). */
export { Counters, createSharedState, C } from './shared-state.js';
export { SharedRateLimiter } from './rate-limit.js';
export { default as generateReader, generatedValue } from './plugins/generate.js';
export { default as nullWriter } from './plugins/null.js';
