/**
 * Opening connections: the URL (mysql:// or jdbc:mysql://) and credentials
 * become mysql2 options; each connection gets the session the reader relies
 * on (time zone, a long net_write_timeout for slow destinations).
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { createConnection, type Connection, type ConnectionOptions } from 'mysql2';
import { configError, resolveEnv } from './config-values.js';
import type { MysqlConfig } from './config.js';
import { decodePart, parseUrl, queryParam, sessionVariablesOf } from './url.js';
import { abortedError, mysqlError } from './errors.js';
import { isFramer } from './row-framing.js';

/** Where to connect, without the secret: safe to put in messages and splits. */
export interface Endpoint {
  host: string;
  port: number;
  user: string;
  database?: string;
  /** `host:port`, for messages. */
  where: string;
}

/** Parses the url and username key; the password never appears in what this returns. */
export function endpointOf(config: MysqlConfig): Endpoint {
  const { url } = parseUrl(config);
  if (!/^(mysql|mariadb):$/i.test(url.protocol)) throw configError(`url: expected a mysql:// or jdbc:mysql:// url, got protocol ${url.protocol}`);
  if (!url.hostname) throw configError('url: has no host');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : 3306;
  const user = config.username !== undefined ? resolveEnv(config.username, 'username') : decodePart(url.username, 'user name') || (queryParam(url, 'user') ?? '');
  if (!user) throw configError('no user: put it in the url (mysql://user:password@host/db) or in "username"');
  const database = decodePart(url.pathname.replace(/^\//, ''), 'database name') || undefined;
  return { host, port, user, database, where: `${host.includes(':') ? `[${host}]` : host}:${port}` };
}

function passwordOf(config: MysqlConfig): string {
  if (config.password !== undefined) return resolveEnv(config.password, 'password');
  const { url } = parseUrl(config);
  const fromQuery = queryParam(url, 'password');
  return fromQuery ?? decodePart(url.password, 'password');
}

function sslOf(config: MysqlConfig, baseDir: string): ConnectionOptions['ssl'] {
  let ssl = config.ssl;
  if (ssl === undefined) {
    // JDBC urls carry TLS as query parameters (useSSL=true, sslMode=REQUIRED).
    const { url } = parseUrl(config);
    const q = (k: string) => queryParam(url, k)?.toLowerCase();
    const mode = q('sslmode') ?? q('ssl-mode');
    if (q('usessl') === 'true' || q('ssl') === 'true' || (mode && mode !== 'disabled' && mode !== 'preferred')) {
      ssl = { rejectUnauthorized: mode === 'verify_ca' || mode === 'verify_identity' || mode === 'verify-ca' || mode === 'verify-full' };
    }
  }
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return { rejectUnauthorized: true };
  const pem = (value: string | undefined, key: string) => {
    if (value === undefined) return undefined;
    if (value.includes('-----BEGIN')) return value;
    const path = isAbsolute(value) ? value : resolve(baseDir, value);
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw configError(`ssl.${key}: cannot read ${path} (${(err as Error).message})`);
    }
  };
  return {
    ca: pem(ssl.ca, 'ca'),
    cert: pem(ssl.cert, 'cert'),
    key: pem(ssl.key, 'key'),
    rejectUnauthorized: ssl.rejectUnauthorized,
    ...(ssl.servername ? { servername: ssl.servername } : {}),
  } as ConnectionOptions['ssl'];
}

/** Runs one statement and returns its rows (numbers and dates as strings). */
export function query<T = Record<string, unknown>>(conn: Connection, sql: string, values?: unknown[]): Promise<T[]> {
  return new Promise((res, rej) => {
    conn.query({ sql, values, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true } as never, (err: unknown, rows: unknown) => (err ? rej(err) : res(rows as T[])));
  });
}

/**
 * Connects and sets up the session. Failures become one FerryError line
 * naming what is wrong (host, credentials, database). `baseDir` resolves
 * relative certificate paths.
 */
export async function openConnection(config: MysqlConfig, baseDir: string, signal?: AbortSignal): Promise<{ conn: Connection; endpoint: Endpoint }> {
  const endpoint = endpointOf(config);
  // sessionVariables (Connector/J) are set after ours, so a user's time_zone wins.
  const vars = sessionVariablesOf(parseUrl(config).url);
  const options: ConnectionOptions = {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: passwordOf(config),
    database: endpoint.database,
    charset: 'UTF8MB4_GENERAL_CI',
    connectTimeout: config.connectTimeoutMs,
    ssl: sslOf(config, baseDir),
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    multipleStatements: false,
  };
  signal?.throwIfAborted();
  let conn: Connection | undefined;
  // Without TLS the socket is ours: it reads into one buffer of its own instead of a new one per read (see
  // directSocket). TLS wraps the socket mysql2 makes, so it stays mysql2's.
  if (!options.ssl) options.stream = () => directSocket(endpoint.host, endpoint.port, (chunk) => feed(conn!, chunk));
  conn = createConnection(options);
  // A late socket error after we gave up on the connection must not crash the process.
  conn.on('error', () => {});
  const onAbort = () => hardClose(conn);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((res, rej) => conn.connect((err: unknown) => (err ? rej(err) : res())));
    const extra = vars.map(([name]) => `, SESSION \`${name}\` = ?`).join('');
    await query(
      conn,
      `SET time_zone = '${config.timezone}', SESSION net_write_timeout = ${config.netWriteTimeoutS}${extra}`,
      vars.map(([, v]) => v),
    );
  } catch (err) {
    hardClose(conn);
    if (signal?.aborted) throw abortedError();
    throw mysqlError(err, endpoint);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { conn, endpoint };
}

/** Bytes a direct socket reads at a time. */
const READ_BYTES = 256 * 1024;

/** Direct sockets made and chunks they read since the module loaded: a test checks that reads take this path. */
export const socketUse = { sockets: 0, chunks: 0 };

/**
 * A socket that reads into one reused buffer (net's `onread`) and hands each
 * chunk to `deliver` before the next read. Node otherwise allocates a fresh
 * 64 KiB buffer per read and emits it through the stream machinery; the
 * kernel faults in and zeroes every new page. 5M rows at 2 channels, 6
 * interleaved rounds: 0.2-0.5 s of CPU less, 51k -> 45k page faults.
 * TCP_NODELAY and keep-alive as mysql2 sets them on its own sockets.
 */
function directSocket(host: string, port: number, deliver: (chunk: Buffer) => void): Socket {
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  const socket = netConnect({
    host,
    port,
    onread: {
      buffer,
      callback: (n: number, buf: Uint8Array) => {
        socketUse.chunks++;
        deliver((buf as Buffer).subarray(0, n));
        // Reading goes on; mysql2 pauses the socket itself (backpressure in query-stream.ts).
        return true;
      },
    },
  });
  socketUse.sockets++;
  socket.setNoDelay(true);
  socket.once('connect', () => socket.setKeepAlive(true, 0));
  return socket;
}

/**
 * Gives a chunk of a direct socket to the connection's packet parser. The
 * row framer keeps nothing of it once it returns; mysql2's own parser keeps
 * slices (incomplete packets, column definitions it reads lazily), so it
 * gets a copy.
 */
function feed(conn: Connection, chunk: Buffer): void {
  const parser = (conn as unknown as { packetParser: { execute(chunk: Buffer): unknown } }).packetParser;
  parser.execute(isFramer(parser) ? chunk : Buffer.from(chunk));
}

/**
 * Closes the socket now. mysql2's destroy() only half-closes it (FIN), which a
 * server blocked writing to a paused client never notices; destroying the
 * socket resets it and frees the server thread.
 */
export function hardClose(conn: Connection): void {
  conn.destroy();
  (conn as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.();
}

/** Ends a connection politely, or destroys it when that does not finish quickly. */
export function closeConnection(conn: Connection): Promise<void> {
  const state = conn as unknown as { _fatalError?: unknown; _closing?: boolean; stream?: { destroyed?: boolean } };
  if (state._fatalError || state._closing || state.stream?.destroyed) {
    hardClose(conn);
    return Promise.resolve();
  }
  return new Promise((res) => {
    const timer = setTimeout(() => {
      hardClose(conn);
      res();
    }, 1000);
    conn.end(() => {
      clearTimeout(timer);
      res();
    });
  });
}

/** The server's name and version, e.g. `MariaDB 10.11.6`. */
export async function serverVersion(conn: Connection): Promise<string> {
  const rows = await query<{ v: string }>(conn, 'SELECT VERSION() AS v');
  const v = String(rows[0]?.v ?? '');
  return /mariadb/i.test(v) ? `MariaDB ${v.replace(/-MariaDB.*$/i, '')}` : `MySQL ${v}`;
}
