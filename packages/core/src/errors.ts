/**
 * The one error contract. Every error a user can cause is a FerryError with
 * a stable code and a message that names the thing at fault. A bug (or an
 * unexpected failure inside a plugin) becomes a FerryError with code
 * INTERNAL that keeps the plugin, hook and original code as fields, so it
 * survives the hop from a worker thread and the CLI can print it once.
 */

/** The stable error codes, alphabetical. */
export const ErrorCodes = {
  /** Ctrl-C, SIGTERM or an AbortSignal stopped the work. */
  ABORTED: 'FERRY_ERR_ABORTED',
  /** A job file, workspace file or plugin config is invalid. */
  CONFIG: 'FERRY_ERR_CONFIG',
  /** DDL text could not be parsed. */
  DDL: 'FERRY_ERR_DDL',
  /** Dirty records passed the job's errorLimit. */
  DIRTY_LIMIT: 'FERRY_ERR_DIRTY_LIMIT',
  /** A bug, or a failure nobody turned into a FerryError (a plugin's plain Error): printed with its stack. */
  INTERNAL: 'FERRY_ERR_INTERNAL',
  /** A named thing (table, partition, node, data source) does not exist. */
  NOT_FOUND: 'FERRY_ERR_NOT_FOUND',
  /** A `${name}` placeholder was not given a value. */
  PARAM: 'FERRY_ERR_PARAM',
  /** A plugin could not be found or does not export a plugin. */
  PLUGIN: 'FERRY_ERR_PLUGIN',
  /** The source (database, HTTP server, file) failed or refused. */
  SOURCE: 'FERRY_ERR_SOURCE',
  /** A SQL statement is wrong (syntax, unknown column) or refused (`ferry sql` only reads). */
  SQL: 'FERRY_ERR_SQL',
  /** The destination store failed or refused (locked partition, ...). */
  STORE: 'FERRY_ERR_STORE',
  /** A wrong command line. */
  USAGE: 'FERRY_ERR_USAGE',
  /** The worker queue (Redis, `ferry worker` processes, the coordinator's upload endpoint) failed or refused. */
  WORKERS: 'FERRY_ERR_WORKERS',
  /** A workflow could not run as asked (rerun policy, frozen ...). */
  WORKFLOW: 'FERRY_ERR_WORKFLOW',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const CODES = new Set<string>(Object.values(ErrorCodes));

/** Codes that mean "the job, config or command line is wrong": the CLI exits 2, a workflow does not retry. */
const USAGE_CODES = new Set<string>([ErrorCodes.CONFIG, ErrorCodes.DDL, ErrorCodes.PARAM, ErrorCodes.PLUGIN, ErrorCodes.SQL, ErrorCodes.USAGE]);

/** True when `code` is a mistake of the user's input (exit 2), not failed work (exit 1). */
export function isUsageError(code: string | undefined): boolean {
  return code !== undefined && USAGE_CODES.has(code);
}

/**
 * The brand: `Symbol.for` is shared by every copy of this module in the
 * process, so a plugin that bundles its own `@ferry/core` still throws
 * errors ferry recognises (where `instanceof` would fail).
 */
const BRAND = Symbol.for('ferry.FerryError');

export interface FerryErrorOptions {
  /** The plugin the failure came from, when any. */
  plugin?: string;
  /** The plugin hook (`schema`, `split`, `read`, `write`, ...) or engine stage (`convert`, `limit`). */
  hook?: string;
  /** The code of the wrapped error (`ECONNRESET`, `ER_PARSE_ERROR`), when it had one. */
  originalCode?: string;
  cause?: unknown;
}

/** An error the user can act on. The CLI prints its message without a stack (except INTERNAL). */
export class FerryError extends Error {
  readonly code: ErrorCode;
  plugin?: string;
  hook?: string;
  originalCode?: string;

  constructor(code: ErrorCode, message: string, options: FerryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
    if (options.plugin) this.plugin = options.plugin;
    if (options.hook) this.hook = options.hook;
    if (options.originalCode) this.originalCode = options.originalCode;
  }
}

/** True for FerryErrors, including ones from another copy of `@ferry/core` and ones rebuilt after crossing a thread. */
export function isFerryError(err: unknown): err is FerryError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

/** Plain data for an error, so it survives `postMessage`. */
export interface SerializedError {
  name: string;
  code?: string;
  message: string;
  plugin?: string;
  hook?: string;
  originalCode?: string;
  stack?: string;
}

/** The fields of an error as plain data (for `postMessage`, `--json` and run results). */
export function serializeError(err: unknown): SerializedError {
  if (isFerryError(err)) {
    const out: SerializedError = { name: err.name, code: err.code, message: err.message, stack: err.stack };
    if (err.plugin) out.plugin = err.plugin;
    if (err.hook) out.hook = err.hook;
    if (err.originalCode) out.originalCode = err.originalCode;
    return out;
  }
  if (err instanceof Error) {
    const code = codeOf(err);
    return { name: err.name, message: err.message, stack: err.stack, ...(code ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/** Rebuilds an error sent from a worker; FerryErrors come back as FerryErrors with their plugin, hook and original code. */
export function deserializeError(data: SerializedError): Error {
  if (data.code && CODES.has(data.code)) {
    const err = new FerryError(data.code as ErrorCode, data.message, { plugin: data.plugin, hook: data.hook, originalCode: data.originalCode });
    if (data.stack) err.stack = data.stack;
    return err;
  }
  const err = new Error(data.message);
  err.name = data.name;
  if (data.stack) err.stack = data.stack;
  if (data.code) (err as { code?: string }).code = data.code;
  return err;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

/**
 * Wraps a failure of a plugin hook. FerryErrors keep their code and message
 * and gain the plugin and hook (once: an error wrapped again keeps the first).
 * Anything else becomes an INTERNAL FerryError whose message names the
 * plugin and hook once, with the original code and stack kept.
 */
export function wrapPluginError(err: unknown, plugin: string, hook: string): FerryError {
  if (isFerryError(err)) {
    err.plugin ??= plugin;
    err.hook ??= hook;
    return err;
  }
  return internalError(err, `plugin "${plugin}" failed in ${hook}`, { plugin, hook });
}

/**
 * Turns an unexpected error into an INTERNAL FerryError whose message starts
 * with `where` (e.g. `convert failed`); FerryErrors pass through unchanged.
 */
export function internalError(err: unknown, where: string, fields: { plugin?: string; hook?: string } = {}): FerryError {
  if (isFerryError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const wrapped = new FerryError(ErrorCodes.INTERNAL, `${where}: ${message}`, { ...fields, originalCode: codeOf(err), cause: err });
  if (err instanceof Error && err.stack) wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${err.stack.split('\n').slice(1).join('\n')}`;
  return wrapped;
}
