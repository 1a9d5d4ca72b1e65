/**
 * MySQL/MariaDB column definitions (the field packets of a result) to Arrow
 * fields and the decoder each column's text-protocol value needs. The same
 * function runs on the main thread (schema) and in the worker (read), so both
 * agree on every column.
 */
import { Field, Uint16, Uint32, Uint64, Uint8, type DataType } from 'apache-arrow';
import { ferryField, type FerryType } from '@ferry/core/channel';

/** The few ColumnDefinition members of mysql2 we read. */
export interface ColumnDef {
  name: string;
  columnType: number;
  flags: number;
  characterSet: number;
  columnLength: number;
  decimals: number;
}

/** How a column's bytes become an Arrow value (see decoders.ts). */
export type DecodeKind =
  | 'int' // fits a JS number exactly: TINYINT..INT, unsigned up to INT, YEAR
  | 'int64' // BIGINT, BIGINT UNSIGNED
  | 'float'
  | 'decimal'
  | 'date'
  | 'datetime'
  | 'timestamp'
  | 'bool'
  | 'bytes' // strings and binary: bytes as sent
  | 'geometry' // WKB after MySQL's 4-byte SRID prefix
  | 'bit' // big-endian bytes as an unsigned integer
  | 'null';

export interface ColumnPlan {
  field: Field;
  kind: DecodeKind;
}

export interface TypeOptions {
  zeroDate: 'null' | 'string';
  tinyint1AsBoolean: boolean;
}

/** Protocol type codes (include/mysql_com.h: enum_field_types). */
export const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  VECTOR: 242,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

const NOT_NULL = 1;
const UNSIGNED = 32;
const ENUM_FLAG = 256;
const SET_FLAG = 2048;
const BINARY_CHARSET = 63;
/** Arrow Decimal128 holds 38 digits; wider MySQL DECIMALs (up to 65) are read as their exact text. */
export const MAX_DECIMAL_PRECISION = 38;

/** The Arrow field and decoder for one result column. */
export function planColumn(def: ColumnDef, opts: TypeOptions): ColumnPlan {
  const unsigned = (def.flags & UNSIGNED) !== 0;
  let nullable = (def.flags & NOT_NULL) === 0;
  const u = unsigned ? ' unsigned' : '';
  const ferry = (type: FerryType | string, kind: DecodeKind, mysqlType: string, extra: [string, string][] = []): ColumnPlan => {
    const f = ferryField(def.name, type, { nullable });
    const meta = new Map(f.metadata);
    meta.set('mysql.type', mysqlType);
    for (const [k, v] of extra) meta.set(k, v);
    return { field: new Field(def.name, f.type, nullable, meta), kind };
  };
  const plain = (type: DataType, kind: DecodeKind, mysqlType: string): ColumnPlan => ({
    field: new Field(def.name, type, nullable, new Map([['mysql.type', mysqlType]])),
    kind,
  });
  const text = (mysqlType: string) => ferry('string', 'bytes', mysqlType);
  const fsp = Math.max(0, Math.min(6, def.decimals === 31 ? 0 : def.decimals));
  switch (def.columnType) {
    case T.TINY:
      if (opts.tinyint1AsBoolean && def.columnLength === 1) return ferry('boolean', 'bool', 'tinyint(1)');
      return unsigned ? plain(new Uint8(), 'int', 'tinyint unsigned') : ferry('tinyint', 'int', 'tinyint');
    case T.SHORT:
      return unsigned ? plain(new Uint16(), 'int', 'smallint unsigned') : ferry('smallint', 'int', 'smallint');
    case T.INT24:
      // MEDIUMINT UNSIGNED (0..16777215) fits a signed INT: no need for a plain Uint32.
      return ferry('int', 'int', 'mediumint' + u);
    case T.LONG:
      return unsigned ? plain(new Uint32(), 'int', 'int unsigned') : ferry('int', 'int', 'int');
    case T.LONGLONG:
      return unsigned ? plain(new Uint64(), 'int64', 'bigint unsigned') : ferry('bigint', 'int64', 'bigint');
    case T.YEAR:
      return ferry('smallint', 'int', 'year');
    case T.FLOAT:
      return ferry('float', 'float', 'float' + u);
    case T.DOUBLE:
      return ferry('double', 'float', 'double' + u);
    case T.DECIMAL:
    case T.NEWDECIMAL: {
      const scale = def.decimals;
      const precision = def.columnLength - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1);
      const mysqlType = `decimal(${precision},${scale})${u}`;
      if (precision < 1 || scale > precision || precision > MAX_DECIMAL_PRECISION) return text(mysqlType);
      return ferry({ name: 'decimal', precision, scale }, 'decimal', mysqlType);
    }
    case T.DATE:
    case T.NEWDATE:
      if (opts.zeroDate === 'string') return text('date');
      nullable = true; // zero dates read as NULL
      return ferry('date', 'date', 'date');
    case T.DATETIME:
    case T.DATETIME2:
      if (opts.zeroDate === 'string') return text(fsp ? `datetime(${fsp})` : 'datetime');
      nullable = true;
      return ferry('datetime', 'datetime', fsp ? `datetime(${fsp})` : 'datetime', [['ferry.fsp', String(fsp)]]);
    case T.TIMESTAMP:
    case T.TIMESTAMP2:
      if (opts.zeroDate === 'string') return text(fsp ? `timestamp(${fsp})` : 'timestamp');
      nullable = true;
      return ferry('timestamp', 'timestamp', fsp ? `timestamp(${fsp})` : 'timestamp', [['ferry.fsp', String(fsp)]]);
    case T.TIME:
    case T.TIME2:
      // TIME is a duration (-838:59:59..838:59:59), not a time of day: keep MySQL's text.
      return text(fsp ? `time(${fsp})` : 'time');
    case T.BIT:
      return plain(new Uint64(), 'bit', `bit(${def.columnLength})`);
    case T.GEOMETRY:
      return ferry('binary', 'geometry', 'geometry');
    case T.NULL:
      nullable = true;
      return text('null');
    case T.JSON:
      return text('json');
    case T.VECTOR:
      return ferry('binary', 'bytes', 'vector');
    default: {
      const binary = def.characterSet === BINARY_CHARSET;
      const name = (def.flags & ENUM_FLAG) !== 0 ? 'enum' : (def.flags & SET_FLAG) !== 0 ? 'set' : stringTypeName(def.columnType, binary);
      return binary ? ferry('binary', 'bytes', name) : text(name);
    }
  }
}

function stringTypeName(type: number, binary: boolean): string {
  switch (type) {
    case T.STRING:
      return binary ? 'binary' : 'char';
    case T.VAR_STRING:
    case T.VARCHAR:
      return binary ? 'varbinary' : 'varchar';
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
      return binary ? 'blob' : 'text';
    default:
      return `type${type}`;
  }
}

/** A short description of an Arrow field's type for "columns differ" messages. */
export function fieldTypeText(f: Field): string {
  return f.metadata.get('mysql.type') ?? String(f.type);
}
