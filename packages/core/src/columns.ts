/**
 * Column builders that write Arrow buffers directly: typed arrays that grow,
 * a validity bitmap made only once a null appears, UTF-8 appended from bytes.
 * Readers use them to build RecordBatches without row objects or per-value
 * Arrow calls.
 */
import { type Data, type DataType, makeData, RecordBatch, type Schema, Struct, Type, Utf8, Binary } from 'apache-arrow';
import type { ColumnBuilder } from './column-builder.js';
import { BoolBuilder, FixedBuilder } from './builder-fixed.js';
import { VarBuilder } from './builder-var.js';
import { DecimalBuilder } from './builder-decimal.js';

export type { ColumnBuilder } from './column-builder.js';
export { BoolBuilder, FixedBuilder } from './builder-fixed.js';
export { VarBuilder } from './builder-var.js';
export { DecimalBuilder } from './builder-decimal.js';

/** The builder for an Arrow type (the types ferry columns use, plus unsigned ints and time). */
export function createBuilder(type: DataType): ColumnBuilder {
  const t = type as DataType & { bitWidth?: number; isSigned?: boolean; precision?: number; unit?: number };
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary:
      return new VarBuilder(type);
    case Type.Bool:
      return new BoolBuilder(type);
    case Type.Decimal:
      return new DecimalBuilder(type);
    case Type.Int: {
      const signed = t.isSigned;
      const ctor =
        t.bitWidth === 8
          ? signed
            ? Int8Array
            : Uint8Array
          : t.bitWidth === 16
            ? signed
              ? Int16Array
              : Uint16Array
            : t.bitWidth === 32
              ? signed
                ? Int32Array
                : Uint32Array
              : signed
                ? BigInt64Array
                : BigUint64Array;
      return new FixedBuilder(type, ctor);
    }
    case Type.Float:
      return new FixedBuilder(type, t.precision === 2 ? Float64Array : Float32Array);
    case Type.Date:
      return new FixedBuilder(type, t.unit === 0 ? Int32Array : BigInt64Array);
    case Type.Timestamp:
      return new FixedBuilder(type, BigInt64Array);
    case Type.Time:
      return new FixedBuilder(type, t.bitWidth === 64 ? BigInt64Array : Int32Array);
    default:
      throw new Error(`no column builder for Arrow type ${String(type)}`);
  }
}

/** Builders for every field of a schema. */
export function createBuilders(schema: Schema): ColumnBuilder[] {
  return schema.fields.map((f) => createBuilder(f.type));
}

/** A RecordBatch from column Data of equal length. */
export function makeBatch(schema: Schema, columns: Data[]): RecordBatch {
  const length = columns[0]?.length ?? 0;
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns });
  return new RecordBatch(schema, data);
}

/** Finishes every builder into one RecordBatch. */
export function finishBatch(schema: Schema, builders: ColumnBuilder[]): RecordBatch {
  return makeBatch(
    schema,
    builders.map((b) => b.finish()),
  );
}

/** Bytes a batch occupies (values, offsets, bitmaps): what rate limits and MB/s count. */
export function batchBytes(batch: RecordBatch): number {
  let n = 0;
  for (const child of batch.data.children) n += dataBytes(child);
  return n;
}

function dataBytes(d: Data): number {
  let n = 0;
  if (d.values) n += (d.values as ArrayBufferView).byteLength;
  if (d.valueOffsets) n += d.valueOffsets.byteLength;
  if (d.nullBitmap) n += d.nullBitmap.byteLength;
  for (const c of d.children) n += dataBytes(c);
  return n;
}

export { Utf8, Binary };
