/**
 * A recursive-descent parser for MaxCompute-style CREATE TABLE statements:
 *
 *   CREATE TABLE [IF NOT EXISTS] [project.]name (col type [NOT NULL] [COMMENT 'c'], ...)
 *     [COMMENT 'table comment'] [PARTITIONED BY (col type [COMMENT 'c'], ...)]
 *     [LIFECYCLE days] [;]
 *
 * Several statements may follow each other, separated by `;`. Errors name the
 * line, the column and what was expected.
 */
import { type FerryError, parseType, TYPE_NAMES, typeText, type FerryType } from '@ferry/core/channel';
import { ddlError, showToken, tokenize, type Token } from './ddl-tokens.js';

/** One column of a table. */
export interface ColumnDef {
  name: string;
  /** Canonical ferry type text (`bigint`, `varchar(20)`, `decimal(10,2)`). */
  type: string;
  comment?: string;
}

/** A parsed CREATE TABLE statement. */
export interface CreateTable {
  /** The `project.` prefix when the statement names one. */
  project?: string;
  name: string;
  ifNotExists: boolean;
  columns: ColumnDef[];
  partitionColumns: ColumnDef[];
  comment?: string;
  /** Days a partition (or an unpartitioned table's data) lives after its last modification. */
  lifecycle?: number;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.pos]!;
  }
  private fail(expected: string, tok = this.peek()): FerryError {
    return ddlError(tok.line, tok.column, `expected ${expected}, got ${showToken(tok)}`);
  }
  private isKeyword(word: string, tok = this.peek()): boolean {
    return tok.kind === 'ident' && tok.text.toUpperCase() === word;
  }
  private keyword(word: string, expected = word): void {
    if (!this.isKeyword(word)) throw this.fail(expected);
    this.pos++;
  }
  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }
  private punct(p: string, expected = `'${p}'`): void {
    if (!this.isPunct(p)) throw this.fail(expected);
    this.pos++;
  }
  private name(what: string): string {
    const t = this.peek();
    if (t.kind === 'ident' || (t.kind === 'quoted' && NAME_RE.test(t.text))) {
      this.pos++;
      return t.text.toLowerCase();
    }
    if (t.kind === 'quoted') throw ddlError(t.line, t.column, `${what} ${showToken(t)} must be letters, digits and _ (not starting with a digit)`);
    throw this.fail(what);
  }
  private string(what: string): string {
    const t = this.peek();
    if (t.kind !== 'string') throw this.fail(what);
    this.pos++;
    return t.text;
  }

  script(): CreateTable[] {
    const out: CreateTable[] = [];
    for (;;) {
      while (this.isPunct(';')) this.pos++;
      if (this.peek().kind === 'eof') break;
      out.push(this.createTable());
      if (!this.isPunct(';') && this.peek().kind !== 'eof') {
        throw this.fail("COMMENT, PARTITIONED BY, LIFECYCLE or ';'");
      }
    }
    if (out.length === 0) throw this.fail('CREATE TABLE');
    return out;
  }

  private createTable(): CreateTable {
    this.keyword('CREATE', 'CREATE TABLE');
    this.keyword('TABLE');
    let ifNotExists = false;
    if (this.isKeyword('IF')) {
      this.pos++;
      this.keyword('NOT', 'NOT (in IF NOT EXISTS)');
      this.keyword('EXISTS', 'EXISTS (in IF NOT EXISTS)');
      ifNotExists = true;
    }
    let project: string | undefined;
    let name = this.name('a table name');
    if (this.isPunct('.')) {
      this.pos++;
      project = name;
      name = this.name('a table name after the project');
    }
    const stmt: CreateTable = { name, ifNotExists, columns: this.columnList('a column name', false), partitionColumns: [] };
    if (project) stmt.project = project;
    const seen = new Set<string>();
    for (;;) {
      const t = this.peek();
      const clause = t.kind === 'ident' ? t.text.toUpperCase() : '';
      if (clause !== 'COMMENT' && clause !== 'PARTITIONED' && clause !== 'LIFECYCLE') break;
      if (seen.has(clause)) throw ddlError(t.line, t.column, `${clause} appears twice`);
      seen.add(clause);
      this.pos++;
      if (clause === 'COMMENT') stmt.comment = this.string('a quoted table comment');
      else if (clause === 'PARTITIONED') {
        this.keyword('BY', 'BY (in PARTITIONED BY)');
        stmt.partitionColumns = this.columnList('a partition column name', true);
      } else {
        const n = this.peek();
        if (n.kind !== 'number' || Number(n.text) < 1 || !Number.isSafeInteger(Number(n.text))) throw this.fail('a number of days (1 or more)');
        this.pos++;
        stmt.lifecycle = Number(n.text);
      }
    }
    const names = new Set(stmt.columns.map((c) => c.name));
    for (const [i, p] of stmt.partitionColumns.entries()) {
      if (names.has(p.name)) {
        const at = this.partitionPositions[i]!;
        throw ddlError(at.line, at.column, `partition column ${p.name} is also a table column`);
      }
    }
    return stmt;
  }

  private partitionPositions: Token[] = [];

  private columnList(what: string, partition: boolean): ColumnDef[] {
    this.punct('(', "'(' to start the column list");
    const cols: ColumnDef[] = [];
    const positions: Token[] = [];
    const seen = new Set<string>();
    for (;;) {
      const at = this.peek();
      const name = this.name(cols.length === 0 ? what : `${what} (or no ',' before ')')`);
      if (seen.has(name)) throw ddlError(at.line, at.column, `column ${name} is defined twice`);
      seen.add(name);
      const type = this.type(name);
      if (partition && (type.name === 'binary' || type.name === 'double' || type.name === 'float')) {
        throw ddlError(at.line, at.column, `partition column ${name} cannot be ${type.name.toUpperCase()} (use STRING or an integer type)`);
      }
      if (this.isKeyword('NOT')) {
        this.pos++;
        this.keyword('NULL', 'NULL (in NOT NULL)');
      }
      const col: ColumnDef = { name, type: typeText(type) };
      if (this.isKeyword('COMMENT')) {
        this.pos++;
        col.comment = this.string('a quoted column comment');
      }
      cols.push(col);
      positions.push(at);
      if (this.isPunct(',')) {
        this.pos++;
        continue;
      }
      if (this.isPunct(')')) {
        this.pos++;
        break;
      }
      throw this.fail("',' or ')' after the column");
    }
    if (partition) this.partitionPositions = positions;
    return cols;
  }

  private type(column: string): FerryType {
    const t = this.peek();
    if (t.kind !== 'ident') throw this.fail('a column type');
    this.pos++;
    let text = t.text;
    if (this.isPunct('(')) {
      this.pos++;
      const a = this.peek();
      if (a.kind !== 'number') throw this.fail(`a number in ${t.text.toUpperCase()}(...)`);
      this.pos++;
      text += `(${a.text}`;
      if (this.isPunct(',')) {
        this.pos++;
        const b = this.peek();
        if (b.kind !== 'number') throw this.fail(`a scale in ${t.text.toUpperCase()}(p,s)`);
        this.pos++;
        text += `,${b.text}`;
      }
      this.punct(')', `')' to close ${t.text.toUpperCase()}(...)`);
      text += ')';
    }
    try {
      return parseType(text, column);
    } catch (err) {
      const msg = (err as Error).message.replace(/^[^:]*: /, '');
      if (/unknown type/.test(msg)) {
        throw ddlError(t.line, t.column, `expected a column type for ${column} (${TYPE_NAMES.map((n) => n.toUpperCase()).join(', ')}), got '${text}'`);
      }
      throw ddlError(t.line, t.column, `column ${column}: ${msg}`);
    }
  }
}

/** Parses one or more CREATE TABLE statements; throws a FerryError (code DDL) naming line and column. */
export function parseDdl(text: string): CreateTable[] {
  return new Parser(tokenize(text)).script();
}

/** The DDL text of a table, as `describe` shows it and `create` accepts it. */
export function formatDdl(t: CreateTable): string {
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const col = (c: ColumnDef) => `  ${c.name} ${c.type.toUpperCase()}${c.comment ? ` COMMENT ${q(c.comment)}` : ''}`;
  let out = `CREATE TABLE ${t.project ? `${t.project}.` : ''}${t.name} (\n${t.columns.map(col).join(',\n')}\n)`;
  if (t.comment) out += `\nCOMMENT ${q(t.comment)}`;
  if (t.partitionColumns.length) out += `\nPARTITIONED BY (\n${t.partitionColumns.map(col).join(',\n')}\n)`;
  if (t.lifecycle) out += `\nLIFECYCLE ${t.lifecycle}`;
  return out + ';';
}
