/**
 * A channel's sink: gathers destination batches until about `fileBytes` of
 * Arrow data, encodes them as one Parquet file (parquet-encode.ts) in the
 * partition's folder under a name starting with the write id, and fsyncs
 * it. Memory is bounded by one file's Arrow data plus its encoding (about
 * the compressed size). Nothing it writes is visible until the commit lists
 * it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { batchBytes, createBuilder, makeBatch, recycleColumns } from '@ferry/core/channel';
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { tableSchema, type DataFile, type TableDef } from './catalog.js';
import { columnStats } from './column-stats.js';
import { absPath, ensureDir, fsyncDir, partitionDir, removeFile, writeFileDurableAsync } from './files.js';
import { storeIoError } from './disk-space.js';
import { type CompressionName, compressionFromEnv, DEFAULT_COMPRESSION } from './parquet-codec.js';
import { encodeParquet } from './parquet-encode.js';
import type { Store } from './store.js';

/**
 * Default Arrow bytes per data file. Measured with the JavaScript encoder:
 * the 500 MB access log -> store at 2 channels took 2.1-2.5 s at 4 MiB and
 * 2.5-2.9 s at 16 MiB (more memory to collect, no fewer passes over the
 * data); 1 and 2 MiB were no faster. Peak RSS of `node
 * bench/writer-table/rss.mjs` (generate -> store, 2 channels): 263 / 306
 * MiB for 5M / 30M rows (the null writer: 179 / 183 MiB).
 */
export const DEFAULT_FILE_BYTES = 4 * 1024 * 1024;

/** Files written and fsynced in the background per channel: the disk's latency overlaps encoding. */
const MAX_IN_FLIGHT = 2;

export interface ParquetWriterOptions {
  writeId: string;
  def: TableDef;
  /** Canonical partition spec ('' for a non-partitioned table). */
  partition: string;
  /** Names of the table columns the incoming batches hold, in order; the others are written as NULL. */
  columns: string[];
  /** A label that keeps this writer's files apart from other channels' (the split index). */
  channel: number;
  /** Names this attempt at the split in the file names (letters and digits); default random. */
  attempt?: string;
  /** False for temporary copies another process makes durable (a worker's files before upload): no fsync. Default true. */
  durable?: boolean;
  fileBytes?: number;
  compression?: CompressionName;
  /** The caller gives up each batch it writes: once encoded, their memory goes back to the thread's buffer pool. Default false. */
  recycle?: boolean;
}

/** Writes one channel's Parquet files into a store. */
export class ParquetWriter {
  private readonly schema: Schema;
  /** For each table column, the index of the incoming column, or -1 (NULL). */
  private readonly sourceIndex: number[];
  private readonly dir: string;
  private readonly prefix: string;
  private readonly fileBytes: number;
  private readonly durable: boolean;
  private readonly compression: CompressionName;
  /** With `recycle`: the table columns that come from the incoming batches (not the NULL columns made here), whose memory goes back to the thread's buffer pool once encoded. */
  private readonly recycled: number[];
  private pending: RecordBatch[] = [];
  private pendingBytes = 0;
  private seq = 0;
  private readonly files: DataFile[] = [];
  private nullColumns = new Map<string, Data>();
  private closed = false;
  private dirReady = false;
  /** Files being written and fsynced in the background (at most MAX_IN_FLIGHT). */
  private inFlight: Promise<void>[] = [];

  constructor(
    /** Only the folder is used: a worker on another host stages into a folder that is no store. */
    private readonly store: Pick<Store, 'dir'>,
    opts: ParquetWriterOptions,
  ) {
    this.schema = tableSchema(opts.def);
    this.sourceIndex = opts.def.columns.map((c) => opts.columns.indexOf(c.name));
    this.dir = partitionDir(opts.def.project, opts.def.name, opts.partition);
    // A random part per writer: a retried split never collides with its first attempt.
    if (opts.attempt !== undefined && !/^[a-z0-9]{1,32}$/.test(opts.attempt)) throw new Error(`attempt id ${JSON.stringify(opts.attempt)}: expected 1 to 32 lowercase letters and digits`);
    this.prefix = `${opts.writeId}-${String(opts.channel).padStart(5, '0')}-${opts.attempt ?? randomBytes(3).toString('hex')}-`;
    this.fileBytes = opts.fileBytes ?? DEFAULT_FILE_BYTES;
    this.durable = opts.durable ?? true;
    this.compression = opts.compression ?? compressionFromEnv(DEFAULT_COMPRESSION);
    this.recycled = opts.recycle ? this.sourceIndex.flatMap((src, i) => (src >= 0 ? [i] : [])) : [];
  }

  /**
   * Adds a batch in the writer's column order (the destination types). With
   * `recycle`, the batch is the writer's from here: once encoded, the memory
   * of its columns goes back to the thread's buffer pool (only buffers core's
   * builders took from it), so the caller must not hold on to it.
   */
  async write(batch: RecordBatch): Promise<void> {
    if (this.closed) throw new Error('parquet writer is closed');
    if (batch.numRows === 0) return;
    const full = this.toTableBatch(batch);
    this.pending.push(full);
    this.pendingBytes += batchBytes(full);
    if (this.pendingBytes >= this.fileBytes) await this.flush();
  }

  /** Writes what is left, fsyncs the folder and returns the files written. */
  async close(): Promise<DataFile[]> {
    if (!this.closed) {
      await this.flush();
      this.closed = true;
      await this.settle();
      if (this.dirReady && this.durable) fsyncDir(absPath(this.store.dir, this.dir));
    }
    await this.settle();
    return this.files.slice();
  }

  /** Deletes every file this writer wrote. */
  async abort(): Promise<void> {
    this.closed = true;
    this.pending = [];
    await Promise.allSettled(this.inFlight);
    this.inFlight = [];
    for (const f of this.files) removeFile(this.store.dir, f.path);
    this.files.length = 0;
  }

  /** Waits for the background writes; the first failure is thrown. */
  private async settle(): Promise<void> {
    const all = this.inFlight;
    this.inFlight = [];
    await Promise.all(all);
  }

  /** Encodes the gathered batches as one Parquet file and starts writing it. */
  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batches = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    let rows = 0;
    for (const b of batches) rows += b.numRows;
    const stats = columnStats(this.schema, batches);
    const encoded = encodeParquet(this.schema, batches, this.compression);
    // The pages are copies (compressed or not): the incoming columns' memory can take the reader's next rows.
    for (const b of batches) recycleColumns(this.recycled.map((i) => b.data.children[i]!));
    batches.length = 0;
    if (!this.dirReady) {
      try {
        if (this.durable) ensureDir(this.store.dir, this.dir);
        else mkdirSync(absPath(this.store.dir, this.dir), { recursive: true });
      } catch (err) {
        throw storeIoError(this.store.dir, err);
      }
      this.dirReady = true;
    }
    const path = `${this.dir}/${this.prefix}${String(this.seq++).padStart(5, '0')}.parquet`;
    this.files.push({ path, rows, bytes: encoded.bytes, stats });
    const target = absPath(this.store.dir, path);
    const done = (this.durable ? writeFileDurableAsync(target, encoded.chunks) : writeFile(target, encoded.chunks, { flag: 'wx' })).catch((err) => {
      // A partial file (full disk) goes at once; the write's other files go with its abort.
      removeFile(this.store.dir, path);
      throw storeIoError(this.store.dir, err);
    });
    // A failure surfaces at the next flush or at close; never as an unhandled rejection meanwhile.
    done.catch(() => {});
    this.inFlight.push(done);
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
