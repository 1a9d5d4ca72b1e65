/**
 * ferry's column types (the table store's DDL types) and their Arrow form.
 * The Arrow field keeps the exact ferry type in metadata `ferry.type`, so
 * VARCHAR(10) and STRING stay distinct while both are Arrow Utf8.
 */
import { Binary, Bool, DataType, DateDay, Decimal, Field, Float32, Float64, Int16, Int32, Int64, Int8, Schema, TimeUnit, Timestamp, Utf8 } from 'apache-arrow';
import { ErrorCodes, FerryError } from './errors.js';

export const TYPE_KEY = 'ferry.type';

/** A parsed ferry type. */
export type FerryType =
  | { name: 'string' | 'bigint' | 'int' | 'smallint' | 'tinyint' | 'boolean' | 'double' | 'float' | 'date' | 'datetime' | 'timestamp' | 'binary' }
  | { name: 'varchar' | 'char'; length: number }
  | { name: 'decimal'; precision: number; scale: number };

const ALIASES: Record<string, string> = { long: 'bigint', integer: 'int', bool: 'boolean', text: 'string', bytes: 'binary', real: 'double' };

/** Parses `bigint`, `VARCHAR(20)`, `decimal(10,2)`; throws a FerryError naming `where` on junk. */
export function parseType(text: string, where = 'type'): FerryType {
  const m = /^\s*([a-zA-Z]+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(text);
  const bad = () => new FerryError(ErrorCodes.CONFIG, `${where}: unknown type ${JSON.stringify(text)} (expected one of ${TYPE_NAMES.join(', ')})`);
  if (!m) throw bad();
  let name = m[1]!.toLowerCase();
  name = ALIASES[name] ?? name;
  const a = m[2] === undefined ? undefined : Number(m[2]);
  const b = m[3] === undefined ? undefined : Number(m[3]);
  switch (name) {
    case 'varchar':
    case 'char':
      if (a === undefined || b !== undefined || a < 1 || a > 65535)
        throw new FerryError(ErrorCodes.CONFIG, `${where}: ${name.toUpperCase()} needs a length from 1 to 65535, as in ${name.toUpperCase()}(20)`);
      return { name, length: a };
    case 'decimal': {
      const precision = a ?? 10;
      const scale = b ?? 0;
      if (precision < 1 || precision > 38 || scale > precision) throw new FerryError(ErrorCodes.CONFIG, `${where}: DECIMAL(p,s) needs 1 <= p <= 38 and s <= p, got ${text}`);
      return { name, precision, scale };
    }
    case 'string':
    case 'bigint':
    case 'int':
    case 'smallint':
    case 'tinyint':
    case 'boolean':
    case 'double':
    case 'float':
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'binary':
      if (a !== undefined) throw bad();
      return { name };
    default:
      throw bad();
  }
}

export const TYPE_NAMES = ['string', 'varchar(n)', 'char(n)', 'bigint', 'int', 'smallint', 'tinyint', 'boolean', 'double', 'float', 'decimal(p,s)', 'date', 'datetime', 'timestamp', 'binary'];

/** The canonical text of a type: `bigint`, `varchar(20)`, `decimal(10,2)`. */
export function typeText(type: FerryType): string {
  if ('length' in type) return `${type.name}(${type.length})`;
  if ('precision' in type) return `decimal(${type.precision},${type.scale})`;
  return type.name;
}

/** The Arrow type that holds a ferry type. */
export function arrowType(type: FerryType): DataType {
  switch (type.name) {
    case 'string':
    case 'varchar':
    case 'char':
      return new Utf8();
    case 'bigint':
      return new Int64();
    case 'int':
      return new Int32();
    case 'smallint':
      return new Int16();
    case 'tinyint':
      return new Int8();
    case 'boolean':
      return new Bool();
    case 'double':
      return new Float64();
    case 'float':
      return new Float32();
    case 'decimal':
      return new Decimal(type.scale, type.precision, 128);
    case 'date':
      return new DateDay();
    // DATETIME is wall-clock time with no zone; TIMESTAMP an instant (UTC).
    case 'datetime':
      return new Timestamp(TimeUnit.MICROSECOND);
    case 'timestamp':
      return new Timestamp(TimeUnit.MICROSECOND, 'UTC');
    case 'binary':
      return new Binary();
  }
}

/** An Arrow field for a ferry column, with the ferry type (and comment) in metadata. */
export function ferryField(name: string, type: FerryType | string, opts: { nullable?: boolean; comment?: string } = {}): Field {
  const parsed = typeof type === 'string' ? parseType(type, name) : type;
  const meta = new Map([[TYPE_KEY, typeText(parsed)]]);
  if (opts.comment) meta.set('ferry.comment', opts.comment);
  return new Field(name, arrowType(parsed), opts.nullable ?? true, meta);
}

/** Builds an Arrow schema from `[{name, type}]`. */
export function ferrySchema(columns: { name: string; type: FerryType | string; comment?: string }[]): Schema {
  return new Schema(columns.map((c) => ferryField(c.name, c.type, { comment: c.comment })));
}

/** The ferry type of an Arrow field: its metadata when present, else inferred from the Arrow type. */
export function fieldType(field: Field): FerryType | undefined {
  const text = field.metadata.get(TYPE_KEY);
  if (text) return parseType(text, field.name);
  const t = field.type as DataType & { unit?: number; timezone?: string | null; bitWidth?: number; isSigned?: boolean; precision?: number; scale?: number };
  switch (t.typeId) {
    case 5:
      return { name: 'string' }; // Utf8
    case 4:
      return { name: 'binary' };
    case 6:
      return { name: 'boolean' };
    case 2: // Int
      if (!t.isSigned) return undefined;
      return { name: t.bitWidth === 64 ? 'bigint' : t.bitWidth === 32 ? 'int' : t.bitWidth === 16 ? 'smallint' : 'tinyint' };
    case 3:
      return { name: t.precision === 0 ? 'float' : t.precision === 1 ? 'float' : 'double' };
    case 7:
      return { name: 'decimal', precision: t.precision!, scale: t.scale! };
    case 8:
      return { name: 'date' };
    case 10:
      return { name: t.timezone ? 'timestamp' : 'datetime' };
    default:
      return undefined;
  }
}

/** A readable type for messages: the ferry type when known, else Arrow's name. */
export function describeFieldType(field: Field): string {
  const ft = fieldType(field);
  return ft ? typeText(ft) : String(field.type);
}
