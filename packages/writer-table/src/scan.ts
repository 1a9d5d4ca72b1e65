/**
 * Reading tables back: counts from partition metadata, batches from
 * segments one at a time (bounded memory), all from one LMDB read snapshot
 * so a concurrent overwrite never tears a scan.
 */
import { createBuilder, ferryField, parseDate, parseDateTime, parseType } from '@ferry/core';
import { type Data, RecordBatch, RecordBatchReader, Schema, makeData, Struct } from 'apache-arrow';
import { partitionRange, requireTable, tableSchema, type PartitionMeta, type TableDef } from './catalog.js';
import { readFilter, specPairs } from './partition-spec.js';
import { readFileSync } from 'node:fs';
import { parquetWasm } from './parquet-wasm.js';
import { absPath } from './files.js';
import { acquireReadLease } from './read-lease.js';
import type { Store } from './store.js';

/** Rows of a table, or of the partitions a spec selects: a metadata read. */
export function countRows(store: Store, project: string, table: string, partition?: string): number {
  let rows = 0;
  for (const p of selectPartitions(store, requireTable(store, project, table), partition)) rows += p.rows;
  return rows;
}

/** The partitions a spec selects (all when none; a spec may name only some partition columns). */
export function selectPartitions(store: Store, def: TableDef, partition?: string, txn?: unknown): PartitionMeta[] {
  const keep = readFilter(def, partition);
  const out: PartitionMeta[] = [];
  const range = { ...partitionRange(def.project, def.name), ...(txn ? { transaction: txn as never } : {}) };
  for (const { value } of store.partitions.getRange(range)) {
    const meta = value as PartitionMeta;
    if (keep(meta.spec)) out.push(meta);
  }
  return out;
}

export interface ScanOptions {
  /** A partition spec selecting what to read (`dt=20240620`). */
  partition?: string;
  /** Append the partition columns (constant per partition) after the data columns. */
  withPartitionColumns?: boolean;
  signal?: AbortSignal;
}

/** The schema of what a scan yields. */
export function scanSchema(def: TableDef, withPartitionColumns = false): Schema {
  const data = tableSchema(def);
  if (!withPartitionColumns) return data;
  return new Schema([...data.fields, ...def.partitionColumns.map((c) => ferryField(c.name, c.type, { comment: c.comment }))]);
}

/**
 * Every RecordBatch of a table (or of the selected partitions), one segment
 * in memory at a time, in partition then commit order.
 */
export async function* scanBatches(store: Store, project: string, table: string, partition?: string | ScanOptions): AsyncGenerator<RecordBatch> {
  const opts: ScanOptions = typeof partition === 'string' || partition === undefined ? { partition } : partition;
  const def = requireTable(store, project, table);
  const schema = scanSchema(def, opts.withPartitionColumns);
  // Stop-gap until the DuckDB reader replaces this scan: a lease, then the catalog, then the files.
  const lease = await acquireReadLease(store);
  try {
    for (const meta of selectPartitions(store, def, opts.partition)) {
      const constants = opts.withPartitionColumns ? partitionValues(def, meta.spec) : [];
      for (const file of meta.files) {
        opts.signal?.throwIfAborted();
        const { readParquet } = await parquetWasm();
        const bytes = readParquet(readFileSync(absPath(store.dir, file.path))).intoIPCStream();
        for (const batch of RecordBatchReader.from(bytes)) {
          if (!opts.withPartitionColumns) {
            yield batch;
            continue;
          }
          const cols: Data[] = [...batch.data.children];
          for (const c of constants) cols.push(constantColumn(c.type, c.value, batch.numRows));
          yield new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children: cols }));
        }
      }
    }
  } finally {
    await lease.release();
  }
}

/** The typed values of a partition spec's columns (for constant partition columns). */
export function partitionValues(def: TableDef, spec: string): { type: string; value: unknown }[] {
  const pairs = new Map(specPairs(spec));
  return def.partitionColumns.map((c) => {
    const text = pairs.get(c.name)!;
    const type = parseType(c.type);
    switch (type.name) {
      case 'bigint':
        return { type: c.type, value: BigInt(text) };
      case 'int':
      case 'smallint':
      case 'tinyint':
        return { type: c.type, value: Number(text) };
      case 'boolean':
        return { type: c.type, value: text.toLowerCase() === 'true' };
      case 'date':
        return { type: c.type, value: parseDate(text) ?? null };
      case 'datetime':
      case 'timestamp':
        return { type: c.type, value: parseDateTime(text) ?? null };
      default:
        return { type: c.type, value: text };
    }
  });
}

export function constantColumn(type: string, value: unknown, n: number): Data {
  const b = createBuilder(ferryField('p', type).type);
  for (let i = 0; i < n; i++) b.append(value);
  return b.finish();
}
