/**
 * The real MariaDB for the tests (127.0.0.1:3306, root, no password): a
 * throwaway database per test file, and `readAll`, which drives the plugin
 * the way the engine does (validate, schema, split, read every split).
 */
import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import type { RecordBatch, Schema } from 'apache-arrow';
import { validate, type ChannelContext, type JobContext, type Logger } from '@ferry/core';
import plugin, { type MysqlConfig, type MysqlSplit } from '@ferry/reader-mysql';

export const HOST = '127.0.0.1';
export const PORT = 3306;

async function probe(): Promise<string | undefined> {
  try {
    const conn = await createConnection({ host: HOST, port: PORT, user: 'root', connectTimeout: 2000 });
    await conn.end();
    return undefined;
  } catch (err) {
    return (err as Error).message || String(err);
  }
}

const unreachable = await probe();
/** True when MariaDB answers; tests that need it skip loudly otherwise. */
export const available = unreachable === undefined;

/** Warns (once per file) which tests are skipped and why. */
export function warnIfSkipped(file: string): void {
  if (!available) console.warn(`\n*** reader-mysql: SKIPPING the MariaDB tests of ${file}: MariaDB at ${HOST}:${PORT} (root, no password) is not reachable: ${unreachable} ***\n`);
}

export interface TestDb {
  name: string;
  url: string;
  conn: Connection;
  exec(sql: string, values?: unknown[]): Promise<unknown>;
  drop(): Promise<void>;
}

/** A fresh database `ferry_test_mysql_<random>` with utf8mb4 defaults. */
export async function createDb(): Promise<TestDb> {
  const name = `ferry_test_mysql_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({ host: HOST, port: PORT, user: 'root', charset: 'UTF8MB4_GENERAL_CI' });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await admin.query(`USE \`${name}\``);
  return {
    name,
    url: `mysql://root@${HOST}:${PORT}/${name}`,
    conn: admin,
    exec: async (sql, values) => (await admin.query(sql, values))[0],
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

export const quietLog: Logger & { warnings: string[] } = {
  warnings: [],
  info() {},
  debug() {},
  warn(m: string) {
    quietLog.warnings.push(m);
  },
};

export function jobContext(signal = new AbortController().signal): JobContext {
  return { log: quietLog, signal, params: {}, settings: {}, baseDir: process.cwd(), runDir: '/nonexistent' };
}

export function channelContext(
  config: MysqlConfig,
  schema: Schema,
  counts: Record<string, number>,
  signal = new AbortController().signal,
  splitIndex = 0,
): ChannelContext & { config: MysqlConfig; schema: Schema } {
  return {
    log: quietLog,
    signal,
    splitIndex,
    count: (name, n) => {
      counts[name] = (counts[name] ?? 0) + n;
    },
    settings: {},
    baseDir: process.cwd(),
    dirty: (value, reason) => {
      throw new Error(`unexpected dirty record (${reason}): ${JSON.stringify(value)}`);
    },
    config,
    schema,
  };
}

export function configOf(raw: Record<string, unknown>): MysqlConfig {
  return validate(plugin.config, raw, 'reader');
}

export interface ReadResult {
  schema: Schema;
  splits: MysqlSplit[];
  batches: RecordBatch[];
  counts: Record<string, number>;
}

/** validate + schema + split(advice) + read of every split, in order. */
export async function readAll(raw: Record<string, unknown>, advice = 1): Promise<ReadResult> {
  const config = configOf(raw);
  const ctx = jobContext();
  const schema = await plugin.schema(config, ctx);
  const splits = await plugin.split(config, { ...ctx, advice });
  const counts: Record<string, number> = {};
  const batches: RecordBatch[] = [];
  for (const [i, split] of splits.entries()) {
    for await (const b of plugin.read(split, channelContext(config, schema, counts, undefined, i))) batches.push(b);
  }
  return { schema, splits, batches, counts };
}

/** Column `name` of every batch, as JS values (Arrow's own getters). */
export function columnValues(batches: RecordBatch[], name: string): unknown[] {
  const out: unknown[] = [];
  for (const b of batches) {
    const v = b.getChild(name);
    if (!v) throw new Error(`no column ${name}`);
    for (let i = 0; i < b.numRows; i++) out.push(v.get(i));
  }
  return out;
}

/** The split-error-free way to expect a rejection's FerryError. */
export async function errorOf(p: unknown): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
