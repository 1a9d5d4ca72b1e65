/**
 * How data files are encoded: compression, row-group size and per-column
 * dictionary choice. Figures behind the defaults are in the package README
 * (bench/writer-table/parquet-options.mjs measures them).
 */
import { type Data, type Schema, Type } from 'apache-arrow';
import type { WriterProperties } from 'parquet-wasm';
import { parquetWasm } from './parquet-wasm.js';

/** The compressions a table writer may use. */
export const COMPRESSIONS = ['snappy', 'zstd', 'lz4_raw', 'none'] as const;
export type CompressionName = (typeof COMPRESSIONS)[number];

const CODEC = { snappy: 'SNAPPY', zstd: 'ZSTD', lz4_raw: 'LZ4_RAW', none: 'UNCOMPRESSED' } as const satisfies Record<CompressionName, string>;

/** Rows per row group at most (a file gathers ~fileBytes of Arrow data, usually one or two row groups). */
export const ROW_GROUP_ROWS = 1024 * 1024;

/** Values sampled per text column to decide on dictionary encoding. */
const SAMPLE = 2048;

/**
 * Whether a text column repeats enough for a dictionary to pay: fewer than
 * half of its first values are distinct. Dictionary encoding of
 * high-cardinality columns (ids, times, free text) costs 2-3x the write
 * time for nothing (measured: 300k rows of bigint, string, double,
 * timestamp: 0.5 s without dictionaries against 1.4 s with them on every
 * column). Numbers and dates never get one: with v2 pages they are delta
 * encoded, which is smaller than a dictionary even for 365 distinct dates
 * and takes a third less time (1M rows of bigint, 2 int, 2 date, varchar:
 * 195-200 ms and 0.6 MB without, 277 ms and 1.3 MB with dictionaries on
 * the two low-cardinality columns).
 */
export function wantsDictionary(data: Data): boolean {
  const n = Math.min(data.length, SAMPLE);
  if (n < 16 || (data.typeId !== Type.Utf8 && data.typeId !== Type.Binary)) return false;
  const offsets = data.valueOffsets as Int32Array;
  const values = data.values as Uint8Array;
  const buf = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const start = offsets[data.offset + i]!;
    const end = offsets[data.offset + i + 1]!;
    seen.add(buf.toString('latin1', start, Math.min(end, start + 64)));
    if (seen.size > n / 2) return false;
  }
  return true;
}

/**
 * Fresh writer properties for one file (a WriterProperties object is
 * consumed by the call it is passed to: never reuse one). `sample` holds
 * the file's first column data, to decide dictionary encoding per column.
 */
export async function writerProperties(schema: Schema, sample: Data[], compression: CompressionName): Promise<WriterProperties> {
  const { Compression, EnabledStatistics, WriterPropertiesBuilder, WriterVersion } = await parquetWasm();
  let b = new WriterPropertiesBuilder()
    .setCompression(Compression[CODEC[compression]])
    .setWriterVersion(WriterVersion.V2)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .setDictionaryEnabled(false)
    // Min/max per column chunk (row group) in the footer, which DuckDB and Spark prune with; no per-page
    // statistics and page index. Statistics are a third of the encode time (1M rows of bigint, 2 int, 2 date,
    // varchar, best of 6 on a busy machine: 195-205 ms with page statistics, 128-146 ms with none, 171 ms
    // with chunk statistics on all but the text column).
    .setStatisticsEnabled(EnabledStatistics.Chunk)
    .setCreatedBy('ferry');
  schema.fields.forEach((f, i) => {
    const d = sample[i];
    if (d && wantsDictionary(d)) b = b.setColumnDictionaryEnabled(f.name, true);
  });
  return b.build();
}

/** The compression named by FERRY_PARQUET_COMPRESSION (benchmarks), else `fallback`. */
export function compressionFromEnv(fallback: CompressionName): CompressionName {
  const v = process.env.FERRY_PARQUET_COMPRESSION as CompressionName | undefined;
  return v && (COMPRESSIONS as readonly string[]).includes(v) ? v : fallback;
}
