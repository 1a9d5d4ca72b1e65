/**
 * Per-file column statistics for the catalog: null counts for every column
 * (free: Arrow keeps them), min/max for 8-32 bit integer, floating and
 * date columns (one pass over the values; DATE as yyyy-mm-dd). Text and
 * 64-bit (BIGINT, DATETIME) min/max are left out: a string or a BigInt per
 * value costs more than the rest of the write; DuckDB reads the Parquet
 * footer's own statistics anyway.
 */
import { type RecordBatch, type Schema, Type } from 'apache-arrow';
import type { ColumnStats } from './catalog.js';

/** Statistics of each column over `batches`, by column name. */
export function columnStats(schema: Schema, batches: RecordBatch[]): Record<string, ColumnStats> {
  const out: Record<string, ColumnStats> = {};
  schema.fields.forEach((f, c) => {
    let nulls = 0;
    let min: number | bigint | undefined;
    let max: number | bigint | undefined;
    const t = f.type as { typeId: Type; bitWidth?: number };
    const numeric = (t.typeId === Type.Int && (t.bitWidth ?? 64) <= 32) || t.typeId === Type.Float || t.typeId === Type.Date;
    for (const b of batches) {
      const d = b.data.children[c]!;
      nulls += d.nullCount;
      if (!numeric) continue;
      const values = d.values as ArrayLike<number | bigint>;
      const bitmap = d.nullCount > 0 ? d.nullBitmap : undefined;
      // Date is DateDay (int32 days); Float16 is not produced by ferry.
      for (let i = 0; i < d.length; i++) {
        const j = d.offset + i;
        if (bitmap && !(bitmap[j >> 3]! & (1 << (j & 7)))) continue;
        const v = values[j]!;
        if (v !== v) continue; // NaN
        if (min === undefined || v < min) min = v;
        if (max === undefined || v > max) max = v;
      }
    }
    const s: ColumnStats = { nulls };
    if (min !== undefined) {
      const text = (v: number | bigint) => (t.typeId === Type.Date ? new Date(Number(v) * 86_400_000).toISOString().slice(0, 10) : String(v));
      s.min = text(min);
      s.max = text(max!);
    }
    out[f.name] = s;
  });
  return out;
}
