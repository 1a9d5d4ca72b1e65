/**
 * parquet-wasm, loaded on first use: its WebAssembly compiles synchronously
 * when the module loads (0.25-0.4 s on this machine), which commands that
 * only read the catalog (`table count`, `table list`) and the main thread of
 * `ferry run` never need. A channel thread loads it at its first file.
 */
type ParquetWasm = typeof import('parquet-wasm');

let loading: Promise<ParquetWasm> | undefined;

/** The parquet-wasm module (one load per thread). */
export function parquetWasm(): Promise<ParquetWasm> {
  loading ??= import('parquet-wasm');
  return loading;
}
