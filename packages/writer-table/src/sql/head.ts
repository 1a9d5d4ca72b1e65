/**
 * `ferry table head`: the first rows of a table in a stable order
 * (partitions in spec order, files in the catalog's order, rows in file
 * order), read one file at a time through DuckDB so it stops as soon as it
 * has enough, shown as a table aligned by display width.
 */
import { readFilter } from '../partition-spec.js';
import type { Store } from '../store.js';
import { cellDisplay, textGrid } from './display-width.js';
import { duckError } from './duck-error.js';
import { resultColumns } from './result-text.js';
import { SqlSession } from './session.js';
import { tableSelect } from './views.js';

/** Options of `headRows`. */
export interface HeadOptions {
  /** A partition spec selecting what to read. */
  partition?: string;
  /** How many rows (default 10). */
  n?: number;
}

/** The first rows as text cells (null for NULL), with the column names. */
export async function headRows(session: SqlSession, table: string, opts: HeadOptions = {}): Promise<{ header: string[]; rows: (string | null)[][] }> {
  const t = session.requireTable(table);
  const keep = readFilter(t.def, opts.partition);
  const n = opts.n ?? 10;
  const header = [...t.def.columns, ...t.def.partitionColumns].map((c) => c.name);
  const rows: (string | null)[][] = [];
  for (const p of t.partitions) {
    if (!keep(p.spec)) continue;
    for (const f of p.files) {
      if (rows.length >= n) return { header, rows };
      const sql = `${tableSelect(t, { partitions: [{ ...p, files: [f] }] })} LIMIT ${n - rows.length}`;
      try {
        const reader = await session.connection.runAndReadAll(sql);
        const cols = resultColumns(reader.columnNames(), reader.columnTypes());
        for (const r of reader.getRows()) rows.push(r.map((v, c) => cols[c]!.text(v)));
      } catch (err) {
        throw duckError(err, sql);
      }
    }
  }
  return { header, rows };
}

/** The first `n` rows of a table as a readable, display-width-aligned table (NULL shown as NULL). */
export async function headTable(store: Store, project: string, table: string, opts: HeadOptions = {}): Promise<string> {
  const session = await SqlSession.open(store, { project });
  try {
    const { header, rows } = await headRows(session, table, opts);
    const text = textGrid(
      header,
      rows.map((r) => r.map(cellDisplay)),
    );
    return rows.length === 0 ? text + '(no rows)\n' : text;
  } finally {
    await session.close();
  }
}
