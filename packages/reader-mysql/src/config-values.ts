/**
 * Helpers on a validated config, without its schema (no zod): what the
 * channel side (connection, splits, read) uses; config.ts re-exports them.
 */
import { ErrorCodes, FerryError } from '@ferry/core/channel';
import type { MysqlConfig } from './config.js';

/** A config error in the plugin's words. */
export function configError(message: string): FerryError {
  return new FerryError(ErrorCodes.CONFIG, `mysql: ${message}`, { plugin: 'mysql' });
}

/** The tables of a config, as a list. */
export function tablesOf(config: MysqlConfig): string[] {
  const t = config.table;
  return t === undefined ? [] : Array.isArray(t) ? t : [t];
}

/** The querySql statements of a config, as a list. */
export function queriesOf(config: MysqlConfig): string[] {
  const q = config.querySql;
  return q === undefined ? [] : Array.isArray(q) ? q : [q];
}

/** Rows per batch: batchRows unless only the DataX name fetchSize was given. */
export function batchRowsOf(config: MysqlConfig & { fetchSize?: number }): number {
  return config.fetchSize !== undefined && config.batchRows === 32768 ? config.fetchSize : config.batchRows;
}

const ENV_RE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces `${env:NAME}` from the environment; an unset variable is a config error naming it. */
export function resolveEnv(text: string, key: string): string {
  return text.replace(ENV_RE, (_m, name: string) => {
    const value = process.env[name];
    if (value === undefined) throw configError(`${key}: environment variable ${name} is not set`);
    return value;
  });
}
