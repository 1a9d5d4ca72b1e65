/**
 * How data files are encoded: compression, row-group size and per-column
 * dictionary choice. Figures behind the defaults are in the package README
 * (bench/writer-table/parquet-options.mjs measures them).
 */
import { type Data, type Schema, Type } from 'apache-arrow';
import { Compression, WriterPropertiesBuilder, WriterVersion, type WriterProperties } from 'parquet-wasm';

/** The compressions a table writer may use. */
export const COMPRESSIONS = ['snappy', 'zstd', 'lz4_raw', 'none'] as const;
export type CompressionName = (typeof COMPRESSIONS)[number];

const CODEC: Record<CompressionName, Compression> = {
  snappy: Compression.SNAPPY,
  zstd: Compression.ZSTD,
  lz4_raw: Compression.LZ4_RAW,
  none: Compression.UNCOMPRESSED,
};

/** Rows per row group at most (a file gathers ~fileBytes of Arrow data, usually one or two row groups). */
export const ROW_GROUP_ROWS = 1024 * 1024;

/** Values sampled per text column to decide on dictionary encoding. */
const SAMPLE = 2048;

/**
 * Whether a column repeats enough for a dictionary to pay: fewer than half
 * of its first values are distinct. Dictionary encoding of high-cardinality
 * columns (ids, times, free text) costs 2-3x the write time for nothing
 * (measured: 300k rows of bigint, string, double, timestamp, snappy: 0.5 s
 * without dictionaries against 1.4 s with them on every column).
 */
export function wantsDictionary(data: Data): boolean {
  const n = Math.min(data.length, SAMPLE);
  if (n < 16) return false;
  if (data.typeId !== Type.Utf8 && data.typeId !== Type.Binary) {
    const values = data.values as ArrayLike<unknown> | undefined;
    if (!values || data.typeId === Type.Bool) return false;
    const stride = values.length / (data.length + data.offset) || 1;
    const seen = new Set<unknown>();
    for (let i = 0; i < n; i++) {
      // Decimal and other multi-word values: the first word is enough to judge repetition.
      seen.add(values[(data.offset + i) * stride]);
      if (seen.size > n / 2) return false;
    }
    return true;
  }
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
export function writerProperties(schema: Schema, sample: Data[], compression: CompressionName): WriterProperties {
  let b = new WriterPropertiesBuilder()
    .setCompression(CODEC[compression])
    .setWriterVersion(WriterVersion.V2)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .setDictionaryEnabled(false)
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
