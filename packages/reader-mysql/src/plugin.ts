/**
 * The `mysql` reader: MySQL/MariaDB tables (or SELECTs) as Arrow batches.
 * schema and split run on the main thread, read in a channel's worker.
 */
import type { Schema } from 'apache-arrow';
import { defineReader, type CheckReport, type JobContext } from '@ferry/core';
import { baseline } from './baseline.js';
import { mysqlConfig, type MysqlConfig } from './config.js';
import { closeConnection, openConnection, serverVersion } from './connection.js';
import { readSplit } from './read.js';
import { probeSchema, resultColumns, targetsOf } from './schema.js';
import { planSplits, type MysqlSplit } from './splits.js';
import { mysqlError as mysqlErrorOf } from './errors.js';
import { cursorKey, planIncremental, withCondition } from './incremental.js';

async function withConnection<T>(config: MysqlConfig, ctx: JobContext, fn: (c: Awaited<ReturnType<typeof openConnection>>) => Promise<T>): Promise<T> {
  const c = await openConnection(config, ctx.baseDir, ctx.signal);
  try {
    return await fn(c);
  } finally {
    await closeConnection(c.conn);
  }
}

/** The connectivity test: connect, server version, each table or query can be read. */
async function check(config: MysqlConfig, ctx: JobContext): Promise<CheckReport> {
  const started = performance.now();
  try {
    return await withConnection(config, ctx, async ({ conn, endpoint }) => {
      const connectMs = Math.round(performance.now() - started);
      const version = await serverVersion(conn);
      const targets = targetsOf(config);
      for (const target of targets) await resultColumns(conn, target, endpoint);
      const what = targets.map((t) => t.what).join(', ');
      return {
        ok: true,
        message: `connected to ${endpoint.where} as ${endpoint.user} (${version}) in ${connectMs} ms; can read ${what}`,
        details: { host: endpoint.where, user: endpoint.user, database: endpoint.database ?? '', version, connectMs, targets: targets.length },
      };
    });
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

export const mysqlReader = defineReader<MysqlConfig, MysqlSplit>({
  name: 'mysql',
  description: 'MySQL/MariaDB tables or SELECTs (mysql2, text protocol straight into Arrow)',
  config: mysqlConfig,
  schema(config, ctx): Promise<Schema> {
    return withConnection(config, ctx, ({ conn, endpoint }) => probeSchema(conn, config, endpoint));
  },
  stateKey: cursorKey,
  split(config, ctx) {
    return withConnection(config, ctx, async ({ conn, endpoint }) => {
      try {
        // An incremental run reads its cursor range, cut into splits as usual.
        const effective = config.incremental ? withCondition(config, (await planIncremental(conn, config, ctx.state)).condition) : config;
        return await planSplits(conn, effective, ctx.advice, ctx.baseDir, ctx.log);
      } catch (err) {
        throw mysqlErrorOf(err, endpoint);
      }
    });
  },
  read: readSplit,
  resumable(_config, splits) {
    const query = (sp: MysqlSplit): boolean => sp.sql !== undefined || (sp.parts ?? []).some(query);
    // A table split is a key range (or the whole table): read again, it gives the same rows. A querySql is one opaque query.
    if (splits.some(query))
      return 'reader.querySql has no key that pins the rows of each split (the finished queries cannot be told apart from a changed result); use "table" with "splitPk" for a resumable job';
    return undefined;
  },
  check,
  baseline,
});
