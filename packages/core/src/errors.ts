/**
 * Every error a user can cause is a FerryError with a stable code and a
 * message that names the thing at fault. Bugs stay plain Errors with stacks.
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
  /** A named thing (table, partition, node, data source) does not exist. */
  NOT_FOUND: 'FERRY_ERR_NOT_FOUND',
  /** A `${name}` placeholder was not given a value. */
  PARAM: 'FERRY_ERR_PARAM',
  /** A plugin could not be found or does not export a plugin. */
  PLUGIN: 'FERRY_ERR_PLUGIN',
  /** The source (database, HTTP server, file) failed or refused. */
  SOURCE: 'FERRY_ERR_SOURCE',
  /** The destination store failed or refused (locked partition, ...). */
  STORE: 'FERRY_ERR_STORE',
  /** A wrong command line. */
  USAGE: 'FERRY_ERR_USAGE',
  /** A workflow could not run as asked (rerun policy, frozen ...). */
  WORKFLOW: 'FERRY_ERR_WORKFLOW',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface FerryErrorOptions {
  /** The plugin the failure came from, when any. */
  plugin?: string;
  /** The plugin hook (`schema`, `split`, `read`, `write`, ...). */
  hook?: string;
  cause?: unknown;
}

/** An error the user can act on. The CLI prints its message without a stack. */
export class FerryError extends Error {
  readonly code: ErrorCode;
  plugin?: string;
  hook?: string;

  constructor(code: ErrorCode, message: string, options: FerryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    if (options.plugin) this.plugin = options.plugin;
    if (options.hook) this.hook = options.hook;
  }
}

/** True for FerryErrors, including ones rebuilt after crossing a thread. */
export function isFerryError(err: unknown): err is FerryError {
  return err instanceof FerryError;
}

/** Plain data for an error, so it survives `postMessage`. */
export interface SerializedError {
  name: string;
  code?: string;
  message: string;
  plugin?: string;
  hook?: string;
  stack?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof FerryError) {
    return { name: err.name, code: err.code, message: err.message, plugin: err.plugin, hook: err.hook, stack: err.stack };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, stack: err.stack, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/** Rebuilds an error sent from a worker; FerryErrors come back as FerryErrors. */
export function deserializeError(data: SerializedError): Error {
  if (data.code && data.code.startsWith('FERRY_ERR_')) {
    const err = new FerryError(data.code as ErrorCode, data.message, { plugin: data.plugin, hook: data.hook });
    if (data.stack) err.stack = data.stack;
    return err;
  }
  const err = new Error(data.message);
  err.name = data.name;
  if (data.stack) err.stack = data.stack;
  return err;
}

/**
 * Wraps a failure of a plugin hook: FerryErrors keep their code and gain the
 * plugin name; other errors become bugs that name the plugin and hook.
 */
export function wrapPluginError(err: unknown, plugin: string, hook: string): Error {
  if (err instanceof FerryError) {
    err.plugin ??= plugin;
    err.hook ??= hook;
    return err;
  }
  if (err instanceof Error) {
    const wrapped = new Error(`plugin "${plugin}" failed in ${hook}: ${err.message}`, { cause: err });
    wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${(err.stack ?? '').split('\n').slice(1).join('\n')}`;
    return wrapped;
  }
  return new Error(`plugin "${plugin}" failed in ${hook}: ${String(err)}`);
}
