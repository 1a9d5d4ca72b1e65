/** A Logger that writes lines to a stream (and optionally a log file). */
import { appendFileSync } from 'node:fs';
import type { Logger } from './plugin.js';

export interface LoggerOptions {
  /** Where lines go; default stderr. */
  write?: (line: string) => void;
  /** A file that receives every line too (the run's log). */
  file?: string;
  debug?: boolean;
  /** Prefix for each line (e.g. the plugin name). */
  prefix?: string;
}

/** Makes a logger; `debug` lines appear only with `debug: true` (or NODE_DEBUG=ferry). */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const debugOn = opts.debug ?? /\bferry\b/.test(process.env.NODE_DEBUG ?? '');
  const emit = (level: string, message: string, toConsole: boolean) => {
    const line = `${new Date().toISOString()} ${level} ${opts.prefix ? opts.prefix + ' ' : ''}${message}`;
    if (opts.file) {
      try {
        appendFileSync(opts.file, line + '\n');
      } catch {
        // A log file that cannot be written must not fail the job.
      }
    }
    if (toConsole) write(line);
  };
  return {
    info: (m) => emit('INFO', m, true),
    warn: (m) => emit('WARN', m, true),
    debug: (m) => emit('DEBUG', m, debugOn),
  };
}

/** A logger that only writes to a file (quiet on the console). */
export function fileLogger(file: string, debug = false): Logger {
  return createLogger({ file, write: () => {}, debug });
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
