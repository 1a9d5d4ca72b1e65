/**
 * `ferry table export --format arrow`: an Arrow IPC stream of the table's
 * committed files (partition columns appended), written to a Writable one
 * batch at a time, waiting for `drain`, under the read lease.
 */
import type { Writable } from 'node:stream';
import { RecordBatchStreamWriter } from 'apache-arrow';
import { readFilter } from '../partition-spec.js';
import { scanSchema } from '../scan.js';
import type { Store } from '../store.js';
import { fileBatches } from './parquet-scan.js';
import { ChunkSink, put } from '../stream-out.js';
import { SqlSession } from './session.js';

/** Options of `arrowExport`. */
export interface ArrowExportOptions {
  partition?: string;
  out: Writable;
  limit?: number;
  signal?: AbortSignal;
}

/** Streams a table as Arrow IPC; returns the row count. */
export async function arrowExport(store: Store, project: string, table: string, opts: ArrowExportOptions): Promise<{ rows: number }> {
  const session = await SqlSession.open(store, { project });
  try {
    const t = session.requireTable(table);
    const keep = readFilter(t.def, opts.partition);
    const sink = new ChunkSink();
    const writer = new RecordBatchStreamWriter();
    writer.reset(sink as never, scanSchema(t.def, true));
    const flush = async () => {
      for (const c of sink.take()) await put(opts.out, c);
    };
    const limit = opts.limit ?? Infinity;
    let rows = 0;
    await flush();
    for await (let batch of fileBatches(
      t.def,
      t.partitions.filter((p) => keep(p.spec)),
      { withPartitionColumns: true, signal: opts.signal },
    )) {
      if (rows >= limit) break;
      if (rows + batch.numRows > limit) batch = batch.slice(0, limit - rows);
      writer.write(batch);
      rows += batch.numRows;
      await flush();
    }
    writer.finish();
    await flush();
    return { rows };
  } finally {
    await session.close();
  }
}
