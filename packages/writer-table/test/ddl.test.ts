import { describe, expect, it } from 'vitest';
import { FerryError, ErrorCodes } from '@ferry/core';
import { parseDdl, formatDdl } from '@ferry/writer-table';

const TUTORIAL_RAW_LOG = `CREATE TABLE IF NOT EXISTS ods_raw_log_d
(
 col STRING
) 
PARTITIONED BY
(
 dt STRING
)
LIFECYCLE 7;`;

const TUTORIAL_USER_INFO = `CREATE TABLE IF NOT EXISTS ods_user_info_d (
 uid STRING COMMENT 'User ID',
 gender STRING COMMENT 'Gender',
 age_range STRING COMMENT 'Age range',
 zodiac STRING COMMENT 'Zodiac sign'
)
PARTITIONED BY (
 dt STRING
)
LIFECYCLE 7;`;

function ddlError(text: string): FerryError {
  try {
    parseDdl(text);
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe(ErrorCodes.DDL);
    return err as FerryError;
  }
  throw new Error('expected a DDL error');
}

describe('DDL parser', () => {
  it('parses the tutorial ods_raw_log_d statement verbatim', () => {
    const [t] = parseDdl(TUTORIAL_RAW_LOG);
    expect(t).toEqual({ name: 'ods_raw_log_d', ifNotExists: true, columns: [{ name: 'col', type: 'string' }], partitionColumns: [{ name: 'dt', type: 'string' }], lifecycle: 7 });
  });

  it('parses the tutorial ods_user_info_d statement verbatim, with column comments', () => {
    const [t] = parseDdl(TUTORIAL_USER_INFO);
    expect(t!.columns).toEqual([
      { name: 'uid', type: 'string', comment: 'User ID' },
      { name: 'gender', type: 'string', comment: 'Gender' },
      { name: 'age_range', type: 'string', comment: 'Age range' },
      { name: 'zodiac', type: 'string', comment: 'Zodiac sign' },
    ]);
    expect(t!.partitionColumns).toEqual([{ name: 'dt', type: 'string' }]);
    expect(t!.lifecycle).toBe(7);
  });

  it('parses both tutorial statements from one script', () => {
    expect(parseDdl(TUTORIAL_RAW_LOG + '\n\n' + TUTORIAL_USER_INFO).map((t) => t.name)).toEqual(['ods_raw_log_d', 'ods_user_info_d']);
  });

  it('accepts every type, a table comment, several partition columns, a project prefix and comments', () => {
    const [t] = parseDdl(`-- all the types
      create table proj.all_types (
        s STRING, v VARCHAR(20), c CHAR(3), b BIGINT, i INT, si SMALLINT, ti TINYINT,
        bo BOOLEAN, d DOUBLE, f FLOAT, dec DECIMAL(18, 4), da DATE, dt2 DATETIME,
        ts TIMESTAMP, bin BINARY NOT NULL /* block comment */
      ) COMMENT 'it''s all' PARTITIONED BY (dt STRING, hh STRING COMMENT 'hour') LIFECYCLE 30`);
    expect(t!.project).toBe('proj');
    expect(t!.comment).toBe("it's all");
    expect(t!.columns.map((c) => c.type)).toEqual([
      'string',
      'varchar(20)',
      'char(3)',
      'bigint',
      'int',
      'smallint',
      'tinyint',
      'boolean',
      'double',
      'float',
      'decimal(18,4)',
      'date',
      'datetime',
      'timestamp',
      'binary',
    ]);
    expect(t!.partitionColumns).toEqual([
      { name: 'dt', type: 'string' },
      { name: 'hh', type: 'string', comment: 'hour' },
    ]);
    expect(t!.lifecycle).toBe(30);
    expect(t!.ifNotExists).toBe(false);
  });

  it('formats a table back to DDL that parses to the same table', () => {
    const [t] = parseDdl(TUTORIAL_USER_INFO);
    const [again] = parseDdl(formatDdl(t!));
    expect({ ...again, ifNotExists: true }).toEqual(t);
  });

  it('names line and column of a missing column type', () => {
    const err = ddlError('CREATE TABLE t (\n  a STRING,\n  b\n)');
    expect(err.message).toBe("DDL error at line 4, column 1: expected a column type, got ')'");
  });

  it('names line and column of an unknown type and lists the known ones', () => {
    const err = ddlError('CREATE TABLE t (a STRNG)');
    expect(err.message).toMatch(/^DDL error at line 1, column 19: expected a column type for a \(STRING, VARCHAR\(N\), .*\), got 'STRNG'$/);
  });

  it('reports a missing closing parenthesis at the end of input', () => {
    expect(ddlError('CREATE TABLE t (a STRING').message).toBe("DDL error at line 1, column 25: expected ',' or ')' after the column, got end of input");
  });

  it('reports a bad LIFECYCLE value', () => {
    expect(ddlError('CREATE TABLE t (a STRING) LIFECYCLE x').message).toBe("DDL error at line 1, column 37: expected a number of days (1 or more), got 'x'");
  });

  it('reports junk after the statement', () => {
    expect(ddlError('CREATE TABLE t (a STRING) PARTITION BY (dt STRING)').message).toBe("DDL error at line 1, column 27: expected COMMENT, PARTITIONED BY, LIFECYCLE or ';', got 'PARTITION'");
  });

  it('reports an unterminated comment string', () => {
    expect(ddlError("CREATE TABLE t (\n a STRING COMMENT 'oops\n)").message).toBe("DDL error at line 2, column 19: unterminated string (missing closing ')");
  });

  it('refuses duplicate columns and a partition column that is also a data column', () => {
    expect(ddlError('CREATE TABLE t (a STRING, A BIGINT)').message).toBe('DDL error at line 1, column 27: column a is defined twice');
    expect(ddlError('CREATE TABLE t (dt STRING) PARTITIONED BY (dt STRING)').message).toBe('DDL error at line 1, column 44: partition column dt is also a table column');
  });

  it('checks DECIMAL precision and VARCHAR length', () => {
    expect(ddlError('CREATE TABLE t (a DECIMAL(40,2))').message).toMatch(/^DDL error at line 1, column 19: column a: DECIMAL\(p,s\) needs 1 <= p <= 38/);
    expect(ddlError('CREATE TABLE t (a VARCHAR)').message).toMatch(/^DDL error at line 1, column 19: column a: VARCHAR needs a length/);
  });

  it('expects CREATE TABLE at the start', () => {
    expect(ddlError('  \n-- nothing\n').message).toBe('DDL error at line 3, column 1: expected CREATE TABLE, got end of input');
    expect(ddlError('DROP TABLE t').message).toBe("DDL error at line 1, column 1: expected CREATE TABLE, got 'DROP'");
  });
});
