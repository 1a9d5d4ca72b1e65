/**
 * Page compression of the data files. lz4_raw is the default: measured in
 * the end-to-end jobs (interleaved runs, medians of 6), 5M MySQL rows to
 * the store at 2 channels took 3.17 s of CPU against 3.34 s with snappy
 * (2.99 s against 3.10 s wall), the 500 MB access log 3.42 s against 3.51
 * s, and the files are smaller (log: 73 MB against 92 MB; 1.3M rows of
 * bigint, int, int, date, date, varchar: 11.1 MB against 15.9 MB). LZ4_RAW
 * is in the Parquet format since 2.9: DuckDB, pyarrow/pandas, Polars and
 * Spark 3.5 read it; `snappy` is there for older readers.
 */
import { createRequire } from 'node:module';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import * as zlib from 'node:zlib';
import { ErrorCodes, FerryError } from '@ferry/core/channel';

/** The compressions a table writer may use. */
export const COMPRESSIONS = ['lz4_raw', 'snappy', 'zstd', 'gzip', 'none'] as const;
export type CompressionName = (typeof COMPRESSIONS)[number];

/** Default compression of data files. */
export const DEFAULT_COMPRESSION: CompressionName = 'lz4_raw';

/** Parquet's CompressionCodec numbers. */
export const CODEC_ID: Record<CompressionName, number> = { none: 0, snappy: 1, gzip: 2, zstd: 6, lz4_raw: 7 };

export type Compress = (page: Buffer) => Buffer;

const require = createRequire(import.meta.url);
const cache = new Map<CompressionName, Compress>();

/** The page compressor for a compression (native modules load on first use). */
export function compressor(name: CompressionName): Compress {
  let c = cache.get(name);
  if (!c) {
    c = load(name);
    cache.set(name, c);
  }
  return c;
}

function load(name: CompressionName): Compress {
  switch (name) {
    case 'none':
      return (page) => page;
    case 'lz4_raw': {
      // lz4-napi (lz4_flex) puts the uncompressed size in 4 bytes before the raw block.
      const { compressSync } = require('lz4-napi') as typeof import('lz4-napi');
      return (page) => compressSync(page).subarray(4);
    }
    case 'snappy': {
      const { compressSync } = require('snappy') as typeof import('snappy');
      return (page) => compressSync(page);
    }
    case 'gzip':
      return (page) => gzipSync(page, { level: zlibConstants.Z_BEST_SPEED });
    case 'zstd': {
      const zstd = (zlib as unknown as { zstdCompressSync?: (b: Buffer, o?: object) => Buffer }).zstdCompressSync;
      if (!zstd) throw new FerryError(ErrorCodes.CONFIG, `writer.compression: zstd needs Node.js 22.15 or later (this is ${process.version}); use lz4_raw, snappy or gzip`);
      return (page) => zstd(page);
    }
  }
}

/** The compression named by FERRY_PARQUET_COMPRESSION (benchmarks), else `fallback`. */
export function compressionFromEnv(fallback: CompressionName): CompressionName {
  const v = process.env.FERRY_PARQUET_COMPRESSION as CompressionName | undefined;
  return v && (COMPRESSIONS as readonly string[]).includes(v) ? v : fallback;
}
