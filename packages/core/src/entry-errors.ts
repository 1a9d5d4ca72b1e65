/**
 * `@ferry/core/errors`: the error contract and secret redaction alone, with
 * no Arrow, zod or engine behind them, for callers that start fast (the CLI
 * entry point loads this before it knows which command runs).
 */
export * from './errors.js';
export { redactError, redactText } from './redact.js';
