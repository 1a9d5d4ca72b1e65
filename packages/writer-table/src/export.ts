/**
 * Export: JSON Lines, CSV (RFC 4180) or an Arrow IPC stream, written to a
 * Node Writable one batch at a time, waiting for `drain`, so memory stays
 * bounded whatever the table size. Partition columns come after the data
 * columns.
 */
import type { Writable } from 'node:stream';
import { ErrorCodes, FerryError } from '@ferry/core';
import { type RecordBatch, RecordBatchStreamWriter } from 'apache-arrow';
import { requireTable } from './catalog.js';
import { scanBatches, scanSchema } from './scan.js';
import type { Store } from './store.js';
import { ChunkSink, put } from './stream-out.js';
import { columnFormat, csvCell, jsonCell, type CellText } from './value-format.js';

export type ExportFormat = 'jsonl' | 'csv' | 'arrow';
export const EXPORT_FORMATS: ExportFormat[] = ['jsonl', 'csv', 'arrow'];

export interface ExportOptions {
  format: ExportFormat;
  /** A partition spec selecting what to export. */
  partition?: string;
  out: Writable;
  signal?: AbortSignal;
  /** Stop after this many rows. */
  limit?: number;
}

/** Streams a table's rows out; returns how many were written. */
export async function exportRows(store: Store, project: string, table: string, opts: ExportOptions): Promise<{ rows: number }> {
  if (!EXPORT_FORMATS.includes(opts.format)) throw new FerryError(ErrorCodes.USAGE, `unknown export format ${JSON.stringify(opts.format)} (expected ${EXPORT_FORMATS.join(', ')})`);
  const def = requireTable(store, project, table);
  const schema = scanSchema(def, true);
  const formats = schema.fields.map(columnFormat);
  const limit = opts.limit ?? Infinity;
  let rows = 0;
  const batches = scanBatches(store, project, def.name, { partition: opts.partition, withPartitionColumns: true, signal: opts.signal });

  if (opts.format === 'arrow') {
    const sink = new ChunkSink();
    const writer = new RecordBatchStreamWriter();
    writer.reset(sink as never, schema);
    const flush = async () => {
      for (const c of sink.take()) await put(opts.out, c);
    };
    await flush();
    for await (let batch of batches) {
      if (rows >= limit) break;
      if (rows + batch.numRows > limit) batch = batch.slice(0, limit - rows);
      writer.write(batch);
      rows += batch.numRows;
      await flush();
    }
    writer.finish();
    await flush();
    return { rows };
  }

  const csv = opts.format === 'csv';
  if (csv) await put(opts.out, schema.fields.map((f) => csvCell(f.name)).join(',') + '\r\n');
  const keys = formats.map((f) => JSON.stringify(f.name) + ':');
  // Cells that can never hold a comma, quote or line break skip the CSV check.
  const plain = formats.map((f) => f.json === 'bare' || f.type.name === 'date' || f.type.name === 'datetime' || f.type.name === 'timestamp' || f.type.name === 'decimal');
  for await (const batch of batches) {
    if (rows >= limit) break;
    const n = Math.min(batch.numRows, limit - rows);
    const cells = bindAll(formats, batch);
    const cols = cells.length;
    let chunk = '';
    for (let i = 0; i < n; i++) {
      if (csv) {
        for (let c = 0; c < cols; c++) {
          const text = cells[c]!(i);
          if (c) chunk += ',';
          chunk += text === null ? '' : plain[c] ? text : csvCell(text);
        }
        chunk += '\r\n';
      } else {
        for (let c = 0; c < cols; c++) chunk += (c ? ',' : '{') + keys[c] + jsonCell(formats[c]!.json, cells[c]!(i));
        chunk += '}\n';
      }
      // Hand the text over in pieces of about 1 MB (one big string per batch would double peak memory).
      if (chunk.length > 1 << 20) {
        await put(opts.out, chunk);
        chunk = '';
      }
    }
    rows += n;
    if (chunk) await put(opts.out, chunk);
  }
  return { rows };
}

function bindAll(formats: ReturnType<typeof columnFormat>[], batch: RecordBatch): CellText[] {
  return formats.map((f, c) => f.bind(batch.data.children[c]!));
}

/** The first `n` rows as a readable table (NULL shown as NULL), for `ferry table head`. */
export async function headText(store: Store, project: string, table: string, opts: { partition?: string; n?: number } = {}): Promise<string> {
  const def = requireTable(store, project, table);
  const schema = scanSchema(def, true);
  const formats = schema.fields.map(columnFormat);
  const n = opts.n ?? 10;
  const rows: string[][] = [];
  if (n > 0) {
    for await (const batch of scanBatches(store, project, def.name, { partition: opts.partition, withPartitionColumns: true })) {
      const cells = bindAll(formats, batch);
      for (let i = 0; i < batch.numRows && rows.length < n; i++) rows.push(cells.map((cell) => display(cell(i))));
      if (rows.length >= n) break;
    }
  }
  const header = schema.fields.map((f) => f.name);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((s, c) => s.padEnd(widths[c]!)).join(' | ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)];
  if (rows.length === 0) out.push('(no rows)');
  return out.join('\n') + '\n';
}

function display(text: string | null): string {
  if (text === null) return 'NULL';
  // One line per row: show control characters escaped; cap very long values.
  const flat = text.replace(/[\r\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
  return flat.length > 60 ? flat.slice(0, 57) + '...' : flat;
}
