/**
 * One SELECT streamed as RecordBatches with backpressure: the connection is
 * paused as soon as a batch is ready and nobody has asked for it, so a table
 * of any size is read with one batch in hand and at most one ahead.
 *
 * Speed: mysql2 builds a row array of JS values per row. We replace the
 * query's row parser (mysql2's `_rowParser`, an internal) with one that reads
 * the packet bytes straight into the builders, and once the column
 * definitions are read, frame the row packets from the socket's chunks
 * ourselves (row-framing.ts). When that internal is not
 * there (another mysql2 version), rows arrive as Buffers (`typeCast: false`)
 * and go through the same decoders: slower, same values.
 */
import type { Connection } from 'mysql2';
import type { Schema } from 'apache-arrow';
import { FerryError, ErrorCodes } from '@ferry/core/channel';
import { BatchAssembler, type AssemblerOptions, type SealedBatch } from './batch-assembler.js';
import { planColumn, type ColumnDef, type ColumnPlan, type TypeOptions } from './column-types.js';
import { abortedError } from './errors.js';
import { hardClose } from './connection.js';
import { frameRows } from './row-framing.js';

const ROW = Object.freeze([]) as unknown as unknown[];

/**
 * Rows parsed by our row parser (`fast`) and by mysql2's own (`portable`)
 * since the module loaded: a test checks that the pinned mysql2 still calls
 * the parser we install, so a mysql2 upgrade cannot silently slow reads down.
 */
export const parserUse = { fast: 0, portable: 0 };

export interface StreamOptions extends AssemblerOptions {
  signal: AbortSignal;
  typeOptions: TypeOptions;
  /** For messages: what is being read. */
  what: string;
}

/**
 * Streams `sql` on `conn` as batches of `schema`. The result may have
 * `hidden` extra columns after the schema's (a split key that is not
 * selected); its field packets are checked against the schema before any
 * row is taken.
 */
export async function* streamBatches(conn: Connection, sql: string, schema: Schema, hidden: number, opts: StreamOptions): AsyncGenerator<SealedBatch> {
  let asm: BatchAssembler | undefined;
  const queue: SealedBatch[] = [];
  let done = false;
  let failure: unknown;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (err: unknown) => {
    failure ??= err;
    notify();
  };
  const push = (item: SealedBatch) => {
    queue.push(item);
    // A consumer already waiting takes it now; otherwise stop reading until one asks.
    if (!paused && !wake) {
      paused = true;
      conn.pause();
    }
    notify();
  };

  let unframe: (() => void) | undefined;
  const q = conn.query({ sql, rowsAsArray: true, typeCast: false } as never);
  /** One row packet's payload [start, end) into the assembler (from mysql2's row parser hook or from the framer). */
  const takeRow = (buf: Uint8Array, start: number, end: number) => {
    if (failure || !asm) return;
    parserUse.fast++;
    if (asm.appendPacket(buf, start, end)) push(asm.seal(buf));
  };
  const parser = {
    next(packet: { buffer: Uint8Array; offset: number; end: number }) {
      takeRow(packet.buffer, packet.offset, packet.end);
      return ROW;
    },
  };
  // mysql2 assigns `_rowParser` after the column definitions; ours wins.
  // FERRY_MYSQL_PORTABLE_PARSER=1 keeps mysql2's own (Buffers per value): the escape hatch if its internals change.
  if (process.env.FERRY_MYSQL_PORTABLE_PARSER !== '1') Object.defineProperty(q, '_rowParser', { configurable: true, get: () => parser, set: () => {} });
  q.on('fields', (fields: ColumnDef[]) => {
    const plans = fields.map((f) => planColumn(f, opts.typeOptions));
    const mismatch = compareColumns(plans, schema, hidden);
    if (mismatch) {
      fail(new FerryError(ErrorCodes.SOURCE, `mysql: ${opts.what} changed since the job was planned: ${mismatch}`, { plugin: 'mysql' }));
      hardClose(conn);
      return;
    }
    asm = new BatchAssembler(schema, plans, opts);
    // From the next chunk on, rows go from the socket's bytes to the assembler without mysql2's per-packet dispatch.
    if (process.env.FERRY_MYSQL_PORTABLE_PARSER !== '1') {
      unframe = frameRows(conn, takeRow, (err) => {
        fail(err);
        hardClose(conn);
      });
    }
  });
  q.on('result', (row: unknown) => {
    if (row === ROW || failure || !asm) return;
    parserUse.portable++;
    const r = asm.appendValues(row as (Uint8Array | null)[]);
    if (r.full) push(asm.seal(undefined, r.key));
  });
  q.on('error', fail);
  // A lost connection is reported on the connection, not on a query without a callback.
  conn.on('error', fail);
  q.on('end', () => {
    unframe?.();
    done = true;
    notify();
  });
  const onAbort = () => {
    fail(abortedError());
    hardClose(conn);
  };
  if (opts.signal.aborted) onAbort();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const item = queue.shift();
      if (item) {
        // The consumer took the last ready batch: read the next one while it works on this.
        if (paused && queue.length === 0 && !done && !failure) {
          paused = false;
          conn.resume();
        }
        yield item;
        continue;
      }
      if (failure) throw failure;
      if (done) {
        if (asm && asm.rows > 0) yield asm.seal();
        return;
      }
      await new Promise<void>((res) => (wake = res));
    }
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    conn.removeListener('error', fail);
    unframe?.();
    // Stopped early (consumer returned, or failure): the rest of the result must not be read.
    if (!done) hardClose(conn);
  }
}

/** Why the result's columns differ from the schema, or undefined. */
function compareColumns(plans: ColumnPlan[], schema: Schema, hidden: number): string | undefined {
  const want = schema.fields.length + hidden;
  if (plans.length !== want) return `expected ${want} columns, got ${plans.length}`;
  for (let i = 0; i < schema.fields.length; i++) {
    const now = plans[i]!.field;
    const then = schema.fields[i]!;
    if (String(now.type) !== String(then.type)) {
      return `column ${i + 1} (${now.name}) is now ${now.metadata.get('mysql.type')}, was ${then.metadata.get('mysql.type') ?? String(then.type)}`;
    }
  }
  return undefined;
}
