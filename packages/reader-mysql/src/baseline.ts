/**
 * The source's own ceiling for `ferry bench`: the job's SELECTs (as planned
 * for one channel) on one connection, each row counted and dropped without
 * decoding a value. What is left is the server and the wire.
 */
import type { Connection } from 'mysql2';
import type { BaselineResult, JobContext } from '@ferry/core';
import { type MysqlConfig } from './config.js';
import { closeConnection, hardClose, openConnection } from './connection.js';
import { abortedError, mysqlError } from './errors.js';
import { planSplits, splitSql, type MysqlSplit } from './splits.js';

const ROW = Object.freeze([]) as unknown as unknown[];

/** Reads every row the job would read, on one connection, as fast as the server sends them. */
export async function baseline(config: MysqlConfig, ctx: JobContext): Promise<BaselineResult> {
  const { conn, endpoint } = await openConnection(config, ctx.baseDir, ctx.signal);
  const onAbort = () => hardClose(conn);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let records = 0;
  let bytes = 0;
  try {
    const splits = await planSplits(conn, config, 1, ctx.baseDir, ctx.log);
    for (const split of splits.flatMap((s): MysqlSplit[] => s.parts ?? [s])) {
      const r = await countRows(conn, splitSql(split));
      records += r.rows;
      bytes += r.bytes;
    }
  } catch (err) {
    if (ctx.signal.aborted) throw abortedError();
    throw mysqlError(err, endpoint);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await closeConnection(conn);
  }
  return { method: `one connection to ${endpoint.where}, the job's SELECTs, rows counted not decoded`, records, bytes };
}

/** Streams one SELECT, counting rows and their payload bytes; no value is decoded. */
function countRows(conn: Connection, sql: string): Promise<{ rows: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    let bytes = 0;
    const q = conn.query({ sql, rowsAsArray: true, typeCast: false } as never);
    // As in query-stream.ts: replacing mysql2's row parser (an internal) skips building a JS array per row.
    const parser = {
      next(packet: { offset: number; end: number }) {
        rows++;
        bytes += packet.end - packet.offset;
        return ROW;
      },
    };
    if (process.env.FERRY_MYSQL_PORTABLE_PARSER !== '1') Object.defineProperty(q, '_rowParser', { configurable: true, get: () => parser, set: () => {} });
    q.on('result', (row: unknown) => {
      if (row === ROW) return;
      // mysql2's own parser ran (another mysql2 version): rows are arrays of Buffers.
      rows++;
      for (const v of row as (Buffer | null)[]) bytes += v?.length ?? 0;
    });
    q.on('error', reject);
    q.on('end', () => resolve({ rows, bytes }));
  });
}
