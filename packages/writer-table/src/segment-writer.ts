/**
 * A channel's sink: gathers destination batches into segments of a few MB,
 * writes each as one Arrow IPC stream under the write's staging prefix, and
 * keeps at most two writes in flight so memory stays bounded. Nothing it
 * writes is visible until the commit lists it.
 */
import { randomBytes } from 'node:crypto';
import { batchBytes, createBuilder, makeBatch } from '@ferry/core';
import { type Data, type RecordBatch, type Schema, Table, tableToIPC, Type } from 'apache-arrow';
import type { SegmentRef, TableDef } from './catalog.js';
import { tableSchema } from './catalog.js';
import { compressionMode, LZ4_SUFFIX, segmentDb, segmentKeys, shouldCompress } from './segments.js';
import type { Store } from './store.js';

/**
 * Default segment size: Arrow bytes gathered before a segment is written.
 * Measured (bench/writer-table/write.mjs, commit included, 4 MiB and 1 MiB
 * alternating, noisy machine): mixed columns ~360-450 MB/s at 4 MiB against
 * ~500-560 at 1 MiB (less joining and copying; LZ4 and puts overlap better),
 * text ~555 against ~595; a 500 MB access log over HTTP -> store takes
 * ~1.75 s instead of ~2.0 s.
 */
export const DEFAULT_SEGMENT_BYTES = 1 * 1024 * 1024;

// Measured (500 MB access log -> store, 1 channel, 4 MiB segments): 2 in flight ~2.3-2.4 s, 16 ~2.0-2.2 s; 8 keeps most of that.
const MAX_IN_FLIGHT = 8;

/** The bytes of one segment: the batches as one Arrow IPC stream (schema, batches, end marker). */
export function encodeSegment(schema: Schema, batches: RecordBatch[]): Uint8Array {
  return tableToIPC(new Table(schema, batches), 'stream');
}

export interface SegmentWriterOptions {
  writeId: string;
  def: TableDef;
  /** Names of the table columns the incoming batches hold, in order; the others are written as NULL. */
  columns: string[];
  /** A label that keeps this writer's keys apart from other channels' (the split index). */
  channel: number;
  segmentBytes?: number;
}

/** Writes one channel's segments into a store. */
export class SegmentWriter {
  private readonly schema: Schema;
  /** For each table column, the index of the incoming column, or -1 (NULL). */
  private readonly sourceIndex: number[];
  private readonly prefix: string;
  private readonly segmentBytes: number;
  private pending: RecordBatch[] = [];
  private pendingBytes = 0;
  /** Of pendingBytes, the string/binary value bytes: they decide on compression. */
  private pendingText = 0;
  private readonly compression = compressionMode();
  private seq = 0;
  private inFlight: Promise<unknown>[] = [];
  private readonly refs: SegmentRef[] = [];
  private nullColumns = new Map<string, Data>();
  private closed = false;

  constructor(
    private readonly store: Store,
    opts: SegmentWriterOptions,
  ) {
    this.schema = tableSchema(opts.def);
    this.sourceIndex = opts.def.columns.map((c) => opts.columns.indexOf(c.name));
    // A random part per writer: a retried split never collides with its first attempt.
    this.prefix = `${opts.writeId}/${String(opts.channel).padStart(5, '0')}-${randomBytes(3).toString('hex')}-`;
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  }

  /** Adds a batch in the writer's column order (the destination types). */
  async write(batch: RecordBatch): Promise<void> {
    if (this.closed) throw new Error('segment writer is closed');
    if (batch.numRows === 0) return;
    const full = this.toTableBatch(batch);
    this.pending.push(full);
    this.pendingBytes += batchBytes(full);
    for (const c of full.data.children) if (c.typeId === Type.Utf8 || c.typeId === Type.Binary) this.pendingText += (c.values as Uint8Array).byteLength;
    if (this.pendingBytes >= this.segmentBytes) await this.flush();
  }

  /** Writes what is left and waits for every segment; returns their descriptors. */
  async close(): Promise<SegmentRef[]> {
    if (!this.closed) {
      await this.flush();
      this.closed = true;
    }
    await Promise.all(this.inFlight);
    this.inFlight = [];
    return this.refs.slice();
  }

  /** Deletes every segment this writer staged. */
  async abort(): Promise<void> {
    this.closed = true;
    this.pending = [];
    await Promise.allSettled(this.inFlight);
    this.inFlight = [];
    const keys = segmentKeys(this.store, { start: this.prefix, end: this.prefix + '\uffff' });
    await Promise.all(keys.map((k) => segmentDb(this.store, k).remove(k)));
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batches = this.pending;
    const lz4 = shouldCompress(this.compression, this.pendingText, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingText = 0;
    let rows = 0;
    for (const b of batches) rows += b.numRows;
    const bytes = encodeSegment(this.schema, batches);
    const key = `${this.prefix}${String(this.seq++).padStart(6, '0')}${lz4 ? LZ4_SUFFIX : ''}`;
    const put = segmentDb(this.store, key).put(key, bytes as Buffer);
    this.refs.push({ key, rows, bytes: bytes.byteLength });
    this.inFlight.push(put);
    if (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight.shift();
  }

  /** The batch with every table column: incoming columns by position, NULLs for the rest. */
  private toTableBatch(batch: RecordBatch): RecordBatch {
    const n = batch.numRows;
    const children = batch.data.children;
    const cols: Data[] = this.schema.fields.map((field, i) => {
      const src = this.sourceIndex[i]!;
      if (src < 0) return this.nullColumn(field.name, field.type, n);
      const data = children[src];
      if (!data) throw new Error(`batch has ${children.length} columns, the writer expects column ${field.name} at position ${src}`);
      if (String(data.type) !== String(field.type)) {
        throw new Error(`column ${field.name}: batch holds ${String(data.type)}, the table stores ${String(field.type)} (convert should have cast it)`);
      }
      return data;
    });
    return makeBatch(this.schema, cols);
  }

  private nullColumn(name: string, type: Schema['fields'][number]['type'], n: number): Data {
    const cached = this.nullColumns.get(name);
    if (cached && cached.length === n) return cached;
    const b = createBuilder(type);
    for (let i = 0; i < n; i++) b.appendNull();
    const data = b.finish();
    this.nullColumns.set(name, data);
    return data;
  }
}
