/**
 * Writing export and query output to a stream with backpressure, shared by
 * `table export` (export.ts, sql/arrow-export.ts) and `ferry sql`'s result
 * writer. No DuckDB here: the main entry imports it.
 */
import type { Writable } from 'node:stream';
import { AsyncByteQueue } from 'apache-arrow';

/** Writes to `out`, waiting for it to drain when its buffer is full. */
export async function put(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', done);
      out.off('error', done);
      out.off('close', done);
      if (err) reject(err);
      else resolve();
    };
    out.on('drain', done);
    out.on('error', done);
    out.on('close', done);
  });
}

/** A queue the Arrow writer writes into synchronously, so each batch's bytes can be taken right away. */
export class ChunkSink extends AsyncByteQueue {
  chunks: Uint8Array[] = [];
  override write(value: unknown): void {
    const u8 = value as Uint8Array;
    if (u8.byteLength > 0) this.chunks.push(u8.slice());
  }
  take(): Uint8Array[] {
    const c = this.chunks;
    this.chunks = [];
    return c;
  }
}
