/**
 * The table writer's channel side: a sink that writes a split's batches as
 * Parquet files into the store's folder. Channel threads load this (through
 * index.channel.ts), not the plugin module: no config schema (zod), no LMDB.
 */
import { ParquetWriter } from './parquet-writer.js';
import type { TableWriteHandle } from './writer.js';

/**
 * Opens a channel sink on a prepared write (what `open` does; `channel`
 * labels its files; `recycle` when the caller gives up the batches it
 * writes). It only writes files into the store's folder: the catalog is not
 * opened in channel threads.
 */
export function openChannel(handle: TableWriteHandle, channel: number, recycle = false) {
  const sink = new ParquetWriter(
    { dir: handle.stageDir ?? handle.storeDir },
    {
      writeId: handle.writeId,
      def: handle.def,
      partition: handle.partition,
      columns: handle.columns,
      channel,
      fileBytes: handle.fileBytes,
      compression: handle.compression,
      recycle,
      ...(handle.attempt ? { attempt: handle.attempt } : {}),
      ...(handle.stageDir && handle.stageTemporary ? { durable: false } : {}),
    },
  );
  return {
    write: (batch: Parameters<ParquetWriter['write']>[0]) => sink.write(batch),
    close: () => sink.close(),
    abort: () => sink.abort(),
  };
}
