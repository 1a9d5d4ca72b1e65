/**
 * Reading one split in a worker, with bounded retries after a lost
 * connection. A split that reads in key order resumes after the last key it
 * handed over, so no row is read twice; any other split retries only when it
 * has not handed over a batch yet.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { ErrorCodes, FerryError, setRowSource, type ChannelContext, type RowLocator } from '@ferry/core/channel';
import { batchRowsOf } from './config-values.js';
import type { MysqlConfig } from './config.js';
import { closeConnection, openConnection, query } from './connection.js';
import { offsetSeconds } from './decoders.js';
import { abortedError, isConnectionLost, mysqlError } from './errors.js';
import { streamBatches } from './query-stream.js';
import { splitSql, type MysqlSplit } from './splits.js';
import { keyLiteral } from './sql.js';

export type ReadContext = ChannelContext & { config: MysqlConfig; schema: Schema };

export async function* readSplit(split: MysqlSplit, ctx: ReadContext): AsyncGenerator<RecordBatch> {
  const config = ctx.config;
  const parts = split.parts ?? [split];
  const snapshot = split.parts !== undefined;
  let zeroDates = 0;
  let partIndex = 0;
  let after: string | undefined;
  let handedOver = 0; // batches of the current part (all parts for a snapshot) already yielded
  let attempt = 0;
  for (;;) {
    if (ctx.signal.aborted) throw abortedError();
    let conn: Awaited<ReturnType<typeof openConnection>> | undefined;
    const part = parts[partIndex]!;
    try {
      conn = await openConnection(config, split.baseDir, ctx.signal);
      if (snapshot) await query(conn.conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      for (; partIndex < parts.length; partIndex++) {
        const p = keyFromStar(parts[partIndex]!, ctx.schema);
        const resume = p.resume;
        const hidden = resume?.hidden ? 1 : 0;
        const stream = streamBatches(conn.conn, splitSql(p, after), ctx.schema, hidden, {
          signal: ctx.signal,
          typeOptions: config,
          what: p.what,
          batchRows: batchRowsOf(config),
          batchBytes: config.batchBytes,
          tzOffsetSeconds: offsetSeconds(config.timezone),
          onZeroDate: () => zeroDates++,
          ...(resume
            ? { key: { index: resume.hidden ? ctx.schema.fields.length : resume.index, literal: (b: Uint8Array, s: number, e: number) => keyLiteral(resume.kind, b, s, e, resume.collation) } }
            : {}),
        });
        let rowsBefore = 0;
        for await (const item of stream) {
          after = item.lastKey;
          handedOver++;
          yield setRowSource(item.batch, rowLocator(p, item.batch, rowsBefore));
          rowsBefore += item.batch.numRows;
        }
        if (!snapshot) handedOver = 0;
        after = undefined;
      }
      if (snapshot) await query(conn.conn, 'COMMIT');
      return;
    } catch (err) {
      if (ctx.signal.aborted) throw abortedError();
      const what = `${part.what}${part.range ? ` [${part.range}]` : ''}`;
      const mapped = mysqlError(err, { ...(conn?.endpoint ?? { where: 'mysql' }), what });
      if (!isConnectionLost(mapped)) throw mapped;
      if (attempt >= config.retries) throw new FerryError(ErrorCodes.SOURCE, `${mapped.message} (gave up after ${attempt} reconnects)`, { plugin: 'mysql', cause: err });
      const resumable = handedOver === 0 || (!snapshot && part.resume !== undefined && after !== undefined);
      if (!resumable) {
        throw new FerryError(
          ErrorCodes.SOURCE,
          `${mapped.message}; ${what} cannot resume after ${handedOver} batches (${snapshot ? 'a snapshot cannot be reopened' : 'it is not read in primary-key order'}), so it is not retried`,
          { plugin: 'mysql', cause: err },
        );
      }
      attempt++;
      ctx.count('mysqlReconnects', 1);
      const delay = Math.min(10_000, 250 * 2 ** attempt);
      ctx.log.warn(
        `${mapped.message}; reconnecting in ${delay} ms (attempt ${attempt} of ${config.retries}), ${after === undefined ? 'from the start of the split' : part.resume?.kind === 'int' ? `after key ${after}` : 'after the last key handed over'}`,
      );
      if (snapshot) {
        partIndex = 0;
        after = undefined;
      }
      await sleep(delay, ctx.signal);
    } finally {
      if (conn) await closeConnection(conn.conn);
      if (zeroDates > 0) {
        ctx.count('zeroDatesAsNull', zeroDates);
        zeroDates = 0;
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      res();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      rej(abortedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * With `SELECT *` the split key is already one of the result columns: read it
 * there instead of selecting it a second time as a hidden last column (one
 * column less for the server to send and for the reader to parse: 5M rows of
 * 6 columns went from 7 result columns to 6).
 */
function keyFromStar(p: MysqlSplit, schema: Schema): MysqlSplit {
  const r = p.resume;
  if (!r?.hidden || p.columns?.trim() !== '*') return p;
  const index = schema.fields.findIndex((f) => f.name.toLowerCase() === r.column.toLowerCase());
  return index < 0 ? p : { ...p, resume: { ...r, index, hidden: false } };
}

/**
 * Where a row of a batch is in MySQL, for dirty records: the table and the
 * split key's value when the key is a read column, else the row's number in
 * the table's (or querySql's) part of this split.
 */
function rowLocator(p: MysqlSplit, batch: RecordBatch, rowsBefore: number): RowLocator {
  const what = p.what.replace(/^table /, '');
  // By name: with columns ["*"] the key is read as an ordinary column (the hidden copy is not in the batch).
  const at = p.resume ? batch.schema.fields.findIndex((f) => f.name.toLowerCase() === p.resume!.column.toLowerCase()) : -1;
  const key = at >= 0 ? batch.getChildAt(at) : null;
  if (key && p.resume) {
    const column = p.resume.column;
    return (r) => {
      const v = key.get(r) as unknown;
      return {
        table: what,
        [column]:
          typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v)) : v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'string' ? v : String(v),
      };
    };
  }
  return p.sql !== undefined ? (r) => ({ query: what, row: rowsBefore + r + 1 }) : (r) => ({ table: what, row: rowsBefore + r + 1 });
}
