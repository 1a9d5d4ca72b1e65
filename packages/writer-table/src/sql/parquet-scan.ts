/**
 * Arrow record batches of a table's committed Parquet files, one file in
 * memory at a time, in partition then catalog order, with the partition
 * columns appended as constants. Decoded by parquet-wasm (DuckDB's Node API
 * cannot hand out Arrow data), for the Arrow IPC export.
 */
import { readFileSync } from 'node:fs';
import { type Data, makeData, RecordBatch, RecordBatchReader, Struct } from 'apache-arrow';
import type { TableDef } from '../catalog.js';
import { constantColumn, partitionValues, scanSchema } from '../scan.js';
import { parquetWasm } from '../parquet-wasm.js';
import type { SnapshotPartition } from './catalog-snapshot.js';

/** Options of `fileBatches`. */
export interface FileBatchOptions {
  /** Append the partition columns after the data columns. */
  withPartitionColumns?: boolean;
  signal?: AbortSignal;
}

/** Every RecordBatch of the given partitions' files, under the table's schema. */
export async function* fileBatches(def: TableDef, partitions: SnapshotPartition[], opts: FileBatchOptions = {}): AsyncGenerator<RecordBatch> {
  const schema = scanSchema(def, opts.withPartitionColumns);
  const width = def.columns.length;
  // Compiling parquet-wasm's WebAssembly takes ~0.5 s: only the Arrow export pays it.
  const { readParquet } = await parquetWasm();
  for (const p of partitions) {
    const constants = opts.withPartitionColumns ? partitionValues(def, p.spec) : [];
    for (const f of p.files) {
      opts.signal?.throwIfAborted();
      const ipc = readParquet(readFileSync(f.path), { batchSize: 65536 }).intoIPCStream();
      for (const batch of RecordBatchReader.from(ipc)) {
        const cols: Data[] = batch.data.children.slice(0, width);
        for (const c of constants) cols.push(constantColumn(c.type, c.value, batch.numRows));
        yield new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children: cols }));
      }
    }
  }
}
