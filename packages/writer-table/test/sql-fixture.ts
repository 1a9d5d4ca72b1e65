/**
 * Committed Parquet files for query tests, made the way STORE-API.md lays
 * them out: DuckDB writes `data/<project>/<table>/<spec>/<name>.parquet` from
 * a SELECT, and the partition record (files, values, rows, bytes) goes into
 * the catalog in one transaction, as a commit does. Used until the store's
 * own writer commits Parquet files; the tests that write through `ferry run`
 * cover the real writer.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { partitionKey, type Store } from '@ferry/writer-table';

/** One file to commit: the SELECT that makes its rows. */
export interface FixtureFile {
  select: string;
}

/**
 * Writes the files with DuckDB and commits them as the partition `spec`
 * (replacing what it held). Returns the files' paths relative to the store.
 */
export async function commitFiles(store: Store, project: string, table: string, spec: string, files: FixtureFile[]): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const rel: string[] = [];
  const entries: { path: string; rows: number; bytes: number }[] = [];
  let rows = 0;
  let bytes = 0;
  try {
    const folder = join('data', project, table, spec || '_');
    mkdirSync(join(store.dir, folder), { recursive: true });
    for (const [i, f] of files.entries()) {
      const path = `${folder}/part-${Date.now().toString(36)}-${i}.parquet`;
      const r = await conn.run(`COPY (${f.select}) TO '${join(store.dir, path)}' (FORMAT parquet)`);
      const n = Number((await r.getRows())[0]![0]);
      const size = statSync(join(store.dir, path)).size;
      entries.push({ path, rows: n, bytes: size });
      rel.push(path);
      rows += n;
      bytes += size;
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const now = Date.now();
  store.env.transactionSync(() => {
    store.partitions.putSync(partitionKey(project, table, spec), {
      spec,
      values: Object.fromEntries(spec ? spec.split('/').map((kv) => kv.split('=') as [string, string]) : []),
      rows,
      bytes,
      files: entries,
      segments: [],
      lastModified: now,
      createdAt: now,
    });
  });
  await store.env.flushed;
  return rel;
}
