/** A Logger that writes lines to a stream (and optionally a log file). */
import { appendFileSync } from 'node:fs';
import type { Logger } from './plugin.js';
import { redactText } from './redact.js';

export interface LoggerOptions {
  /** Where lines go; default stderr. */
  write?: (line: string) => void;
  /** A file that receives every line too (the run's log). */
  file?: string;
  debug?: boolean;
  /** Prefix for each line (e.g. the plugin name). */
  prefix?: string;
  /**
   * IANA zone for the timestamps (a workspace's, so log lines read like its
   * status tables): `2024-06-21 00:15:03.120+08:00`. Default: UTC, ISO (`...Z`).
   */
  timeZone?: string;
}

/** `yyyy-mm-dd hh:mm:ss.mmm+hh:mm`: `date` on the wall clock of `timeZone`, with its offset. */
export function zonedTimestamp(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  const offsetMin = Math.round((wall - (date.getTime() - date.getUTCMilliseconds())) / 60000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const ms = String(date.getUTCMilliseconds()).padStart(3, '0');
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}.${ms}${sign}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`;
}

/** Makes a logger; `debug` lines appear only with `debug: true` (or NODE_DEBUG=ferry). */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const debugOn = opts.debug ?? /\bferry\b/.test(process.env.NODE_DEBUG ?? '');
  const emit = (level: string, message: string, toConsole: boolean) => {
    const now = new Date();
    // Every line of every log (console, run.log, node logs) passes the one redaction.
    const line = redactText(`${opts.timeZone ? zonedTimestamp(now, opts.timeZone) : now.toISOString()} ${level} ${opts.prefix ? opts.prefix + ' ' : ''}${message}`);
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
