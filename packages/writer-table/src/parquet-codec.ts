/**
 * Page compression of the data files. snappy is the default: every Parquet
 * reader reads it (Spark before 3.5 does not read LZ4_RAW), and in channel
 * threads it compressed as fast as lz4_raw (100 MB of the access log in
 * 1 MiB pages: 106 against 100 ms of CPU; 210 MB of PLAIN bigint, int and
 * date pages: 187 against 206 ms; warm worker threads). lz4_raw makes
 * smaller files (the log: 73 MB against 92 MB) for readers of Parquet 2.9
 * or later (DuckDB, pyarrow/pandas, Polars, Spark 3.5). End-to-end runs on
 * this machine did not tell the two apart: the same build, run twice
 * interleaved, differed by 0.3 s of CPU.
 */
import { createRequire } from 'node:module';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import * as zlib from 'node:zlib';
import { ErrorCodes, FerryError } from '@ferry/core/channel';

/** The compressions a table writer may use. */
export const COMPRESSIONS = ['lz4_raw', 'snappy', 'zstd', 'gzip', 'none'] as const;
export type CompressionName = (typeof COMPRESSIONS)[number];

/** Default compression of data files. */
export const DEFAULT_COMPRESSION: CompressionName = 'snappy';

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
      // snappy compresses into a zeroed buffer of the worst-case size (~1.2 MB for a 1 MiB page) from its
      // own allocator (mimalloc). Handed out as is, each stays alive until the GC collects the page, so every
      // page took fresh memory that the kernel faulted in and zeroed. Copied out, the buffer is freed at
      // once and the next page compresses into the same warm memory. `generate` 5M rows -> store at 2
      // channels: peak RSS 318 -> 230 MiB. 5 interleaved rounds at 2 channels: MySQL 5M rows wall 3.25 ->
      // 3.14 s, CPU 3.78 -> 3.63 s; the 500 MB log wall 2.24 -> 2.15 s, CPU 3.46 -> 3.38 s.
      return (page) => compressSync(page, { copyOutputData: true });
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
