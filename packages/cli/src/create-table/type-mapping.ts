/**
 * The destination column type for a reader column, when ferry creates the
 * table from a job (`createTable`, `ferry table create --from-job`).
 *
 * MySQL -> MaxCompute-style types (what the mysql reader reports in `mysql.type`):
 *
 * | MySQL | table store |
 * |---|---|
 * | TINYINT / SMALLINT / MEDIUMINT / INT / BIGINT | TINYINT / SMALLINT / INT / INT / BIGINT |
 * | TINYINT UNSIGNED / SMALLINT UNSIGNED / INT UNSIGNED | SMALLINT / INT / BIGINT (the next wider signed type) |
 * | BIGINT UNSIGNED | DECIMAL(20,0) |
 * | YEAR | SMALLINT; BIT(n) | BIGINT; TINYINT(1) with tinyint1AsBoolean | BOOLEAN |
 * | FLOAT / DOUBLE / DECIMAL(p,s) | FLOAT / DOUBLE / DECIMAL(p,s) (p > 38: STRING) |
 * | DATE / DATETIME / TIMESTAMP | DATE / DATETIME / TIMESTAMP |
 * | TIME, CHAR, VARCHAR, TEXT, ENUM, SET, JSON | STRING |
 * | BINARY, VARBINARY, BLOB, GEOMETRY | BINARY |
 *
 * Text and CSV readers (`file`, `httpfile`), by the column's declared type:
 * string -> STRING, long/bigint -> BIGINT, int -> INT, double -> DOUBLE,
 * float -> FLOAT, boolean -> BOOLEAN, date -> DATE, datetime -> DATETIME,
 * timestamp -> TIMESTAMP. Any other reader: the ferry type of its field.
 */
import { fieldType, typeText } from '@ferry/core';
import { type schemaFromBytes } from '@ferry/core/engine';

type Field = ReturnType<typeof schemaFromBytes>['fields'][number];

const TEXT_TYPES: Record<string, string> = {
  string: 'string',
  long: 'bigint',
  bigint: 'bigint',
  int: 'int',
  double: 'double',
  float: 'float',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
  timestamp: 'timestamp',
};

/** `mysql.type` text -> table type, or undefined when the name is not a MySQL one. */
function fromMysql(mysql: string): string | undefined {
  const t = mysql.toLowerCase();
  const unsigned = t.endsWith(' unsigned');
  const base = t.replace(/ unsigned$/, '');
  const dec = /^decimal\((\d+),(\d+)\)$/.exec(base);
  if (dec) return Number(dec[1]) > 38 ? 'string' : `decimal(${dec[1]},${dec[2]})`;
  if (base.startsWith('bit(')) return 'bigint';
  if (base.startsWith('datetime')) return 'datetime';
  if (base.startsWith('timestamp')) return 'timestamp';
  if (base.startsWith('time')) return 'string';
  switch (base) {
    case 'tinyint(1)':
      return 'boolean';
    case 'tinyint':
      return unsigned ? 'smallint' : 'tinyint';
    case 'smallint':
      return unsigned ? 'int' : 'smallint';
    case 'mediumint':
      return 'int';
    case 'int':
      return unsigned ? 'bigint' : 'int';
    case 'bigint':
      return unsigned ? 'decimal(20,0)' : 'bigint';
    case 'year':
      return 'smallint';
    case 'float':
      return 'float';
    case 'double':
      return 'double';
    case 'date':
      return 'date';
    case 'char':
    case 'varchar':
    case 'text':
    case 'enum':
    case 'set':
    case 'json':
    case 'null':
      return 'string';
    case 'binary':
    case 'varbinary':
    case 'blob':
    case 'geometry':
    case 'vector':
      return 'binary';
    default:
      return undefined;
  }
}

/** The table type (lower-case ferry type text) for a reader's field. */
export function tableTypeOf(field: Field): string {
  const mysql = field.metadata.get('mysql.type');
  if (mysql) {
    const t = fromMysql(mysql);
    if (t) return t;
  }
  const declared = field.metadata.get('ferry.sourceType');
  if (declared && TEXT_TYPES[declared]) return TEXT_TYPES[declared]!;
  const ft = fieldType(field);
  return ft ? typeText(ft) : 'string';
}
