/**
 * mysql2 and server errors as one line a user can act on. Credentials,
 * names and hosts are the things at fault; the password never appears.
 */
import { ErrorCodes, FerryError } from '@ferry/core/channel';

/** What is being read when the error happened (for the message). */
export interface ErrorContext {
  where: string;
  user?: string;
  database?: string;
  /** `table workshop.t`, `querySql[0]`, ... */
  what?: string;
}

interface MysqlLikeError {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
  fatal?: boolean;
  hostname?: string;
}

/** Errors that mean the connection broke (retrying the split may help). */
const LOST = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_NET_ERROR_ON_WRITE',
  'ER_NET_READ_ERROR',
  'ER_QUERY_INTERRUPTED',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** True when `err` (raw or wrapped) says the connection to the server was lost. */
export function isConnectionLost(err: unknown): boolean {
  const e = (err instanceof FerryError ? err.cause : err) as MysqlLikeError | undefined;
  if (!e || typeof e !== 'object') return false;
  return LOST.has(e.code ?? '') || e.errno === 2013 || e.errno === 2006 || e.errno === 1927 || e.errno === 1053;
}

export function abortedError(): FerryError {
  return new FerryError(ErrorCodes.ABORTED, 'mysql: read cancelled', { plugin: 'mysql' });
}

/** Turns a mysql2 error into one FerryError line; FerryErrors pass through. */
export function mysqlError(err: unknown, ctx: ErrorContext): FerryError {
  if (err instanceof FerryError) return err;
  const e = (err ?? {}) as MysqlLikeError;
  const msg = (e.sqlMessage ?? e.message ?? String(err)).replace(/\.$/, '');
  const at = ctx.where;
  const of = ctx.what ? ` (${ctx.what} at ${at})` : ` (${at})`;
  const make = (code: (typeof ErrorCodes)[keyof typeof ErrorCodes], text: string) => new FerryError(code, `mysql: ${text}`, { plugin: 'mysql', cause: err });
  switch (e.code) {
    case 'ECONNREFUSED':
      return make(ErrorCodes.SOURCE, `cannot connect to ${at}: connection refused (is the server running and the port right?)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return make(ErrorCodes.SOURCE, `unknown host ${JSON.stringify(at.replace(/:\d+$/, ''))}: DNS lookup failed (${e.code})`);
    case 'ETIMEDOUT':
      return make(ErrorCodes.SOURCE, `connecting to ${at} timed out`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return make(ErrorCodes.SOURCE, `cannot reach ${at} (${e.code})`);
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR': {
      const who = /for user ('[^']*'@'[^']*')/.exec(msg)?.[1] ?? `'${ctx.user ?? '?'}'`;
      return make(ErrorCodes.CONFIG, `access denied for user ${who} at ${at} (check username/password)`);
    }
    case 'ER_DBACCESS_DENIED_ERROR':
      return make(ErrorCodes.CONFIG, `${msg.replace(/\.$/, '')} at ${at}`);
    case 'ER_BAD_DB_ERROR': {
      const db = /Unknown database '([^']*)'/.exec(msg)?.[1] ?? ctx.database ?? '?';
      return make(ErrorCodes.CONFIG, `database ${db} does not exist (${at})`);
    }
    case 'ER_NO_SUCH_TABLE': {
      const table = /Table '([^']*)' doesn't exist/.exec(msg)?.[1] ?? ctx.what ?? '?';
      return make(ErrorCodes.CONFIG, `table ${table} does not exist (${at})`);
    }
    case 'ER_NO_DB_ERROR':
      return make(ErrorCodes.CONFIG, `no database selected: put it in the url (mysql://host:3306/db) or qualify the table (db.table)${of}`);
    case 'ER_BAD_FIELD_ERROR':
      return make(ErrorCodes.CONFIG, `${lowerFirst(msg)}${of}`);
    case 'ER_PARSE_ERROR':
      return make(
        ErrorCodes.CONFIG,
        `SQL syntax error${of}: ${msg.replace(/^You have an error in your SQL syntax; check the manual that corresponds to your \S+ server version for the right syntax to use /, '')}`,
      );
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_COLUMNACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
      return make(ErrorCodes.CONFIG, `${lowerFirst(msg)}${of}`);
    case 'HANDSHAKE_SSL_ERROR':
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return make(ErrorCodes.SOURCE, `TLS with ${at} failed: ${msg}`);
  }
  if (/certificate|self[- ]signed|SSL|TLS/i.test(e.code ?? '')) return make(ErrorCodes.SOURCE, `TLS with ${at} failed: ${msg}`);
  if (isConnectionLost(err)) return make(ErrorCodes.SOURCE, `connection to ${at} lost${ctx.what ? ` while reading ${ctx.what}` : ''}: ${msg}`);
  return make(ErrorCodes.SOURCE, `${lowerFirst(msg)}${of}`);
}

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}
