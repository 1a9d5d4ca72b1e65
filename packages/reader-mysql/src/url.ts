/**
 * The `url` key: mysql://user:password@host:port/db or the JDBC form
 * jdbc:mysql://host:port/db?user=u&password=p&useSSL=true&sessionVariables=...
 * Parsed once, with errors that name the key at fault and never echo a secret.
 */
import { redactUrl } from '@ferry/core/channel';
import { configError, resolveEnv } from './config-values.js';
import type { MysqlConfig } from './config.js';

/** A parsed url and the raw text (for messages: always redacted). */
export interface ParsedUrl {
  url: URL;
  raw: string;
}

/** The `url` key with `${env:...}` resolved, parsed; a url that does not parse is a config error without its secret. */
export function parseUrl(config: MysqlConfig): ParsedUrl {
  const raw = resolveEnv(config.url, 'url').trim();
  try {
    return { url: new URL(raw.replace(/^jdbc:/i, '')), raw };
  } catch {
    throw configError(`url: expected mysql://host:port/db (with user:password@ before the host, or the username/password keys) or jdbc:mysql://host:port/db, got ${JSON.stringify(redactUrl(raw))}`);
  }
}

/**
 * A percent-encoded url part, decoded; a bad `%` escape (a password with a
 * literal `%`) is a config error that says which part and how to write it.
 */
export function decodePart(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw configError(`url: the ${what} has a bad % escape (write a literal % as %25, or put the password in the "password" key)`);
  }
}

/**
 * A query parameter of the url, its name matched without regard to case:
 * JDBC urls are written `useSSL=true` and `sslMode=REQUIRED` as often as in
 * lower case, and a TLS setting must never be missed for its spelling.
 */
export function queryParam(url: URL, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of url.searchParams) if (k.toLowerCase() === want) return v;
  return undefined;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// One `name=value` of Connector/J's sessionVariables: the value bare or quoted, never with quotes or backslashes inside.
const PAIR = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:'([^'\\]*)'|"([^"\\]*)"|([A-Za-z0-9_.+:-]*))\s*(,|$)/y;

/**
 * Connector/J's `sessionVariables=name=value,name='a,b'` query parameter:
 * session variables set on every connection (e.g. `sql_mode='ANSI_QUOTES'`).
 */
export function sessionVariablesOf(url: URL): [string, string][] {
  const text = queryParam(url, 'sessionVariables');
  if (text === undefined || text.trim() === '') return [];
  const out: [string, string][] = [];
  PAIR.lastIndex = 0;
  while (PAIR.lastIndex < text.length) {
    const m = PAIR.exec(text);
    if (!m || !NAME.test(m[1]!)) throw configError(`url: sessionVariables: expected name=value[,name='value,...'] (values without quotes or backslashes), got ${JSON.stringify(text)}`);
    out.push([m[1]!, m[2] ?? m[3] ?? m[4] ?? '']);
    if (m[5] === '') break;
  }
  return out;
}
