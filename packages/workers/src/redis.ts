/**
 * Connecting to the queue's Redis: the URL checked and remembered as a
 * secret (its password is masked in every output), a first PING with a
 * timeout so an unreachable Redis fails at once with a clear message.
 */
import { ErrorCodes, FerryError, redactText, redactUrl, rememberSecrets } from '@ferry/core';
import { Redis, type RedisOptions } from 'ioredis';

/** The URL with `${env:NAME}` filled from the environment; a missing variable is a usage error naming it. */
export function resolveRedisUrl(raw: string, where = '--workers'): string {
  const url = raw.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_all, name: string) => {
    const v = process.env[name];
    if (v === undefined || v === '') throw new FerryError(ErrorCodes.USAGE, `${where}: environment variable ${name} is not set`);
    return v;
  });
  rememberSecrets(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FerryError(ErrorCodes.USAGE, `${where}: ${redactUrl(url)} is not a URL (expected redis://[user:password@]host:6379[/db])`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new FerryError(ErrorCodes.USAGE, `${where}: ${redactUrl(url)} is not a redis:// or rediss:// URL`);
  }
  return url;
}

/** The URL as it may be printed. */
export function displayUrl(url: string): string {
  return redactText(redactUrl(url));
}

/**
 * A client for `url`. `blocking` clients (BullMQ workers) retry forever;
 * the others fail a command after a few reconnect tries, so a lost Redis
 * fails the run instead of hanging it.
 */
export function redisClient(url: string, opts: { blocking?: boolean; name?: string } = {}): Redis {
  const base: RedisOptions = {
    connectTimeout: 3000,
    lazyConnect: true,
    ...(opts.name ? { connectionName: opts.name } : {}),
    ...(opts.blocking ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2, retryStrategy: (n: number) => (n > 5 ? null : 200 * n) }),
  };
  const client = new Redis(url, base);
  // Errors surface through the commands that fail; the default handler would print the URL-bearing error to stderr.
  client.on('error', () => {});
  return client;
}

/** Connects and PINGs within `timeoutMs`, or throws a WORKERS error naming the (redacted) URL. */
export async function connectRedis(url: string, opts: { blocking?: boolean; name?: string; timeoutMs?: number } = {}): Promise<Redis> {
  const client = redisClient(url, opts);
  const timeoutMs = opts.timeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      new Promise((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return client;
  } catch (err) {
    client.disconnect();
    throw redisError(url, err, 'cannot reach Redis');
  } finally {
    clearTimeout(timer);
  }
}

/** A WORKERS error for a Redis failure: what failed, the redacted URL, the cause. */
export function redisError(url: string, err: unknown, what: string): FerryError {
  const msg = (err as Error)?.message ?? String(err);
  return new FerryError(ErrorCodes.WORKERS, redactText(`${what} at ${displayUrl(url)}: ${msg}`), { cause: err });
}
