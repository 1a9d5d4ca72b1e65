/** SQL text: quoted names, the select list, literals for split boundaries. */
import { escape } from 'mysql2';

const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const QUOTED = /^`(?:[^`]|``)+`$/;

/** `name` quoted with backticks (already quoted names are kept). */
export function quoteId(name: string): string {
  if (QUOTED.test(name)) return name;
  return '`' + name.replace(/`/g, '``') + '`';
}

/** The parts of `db.table` / `` `db`.`table` `` / `table`. */
export function splitTableName(name: string): { db?: string; table: string } {
  const parts: string[] = [];
  let cur = '';
  let inQuote = false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '`') {
      if (inQuote && name[i + 1] === '`') {
        cur += '`';
        i++;
      } else inQuote = !inQuote;
    } else if (c === '.' && !inQuote) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const trimmed = parts.map((p) => p.trim());
  return trimmed.length >= 2 ? { db: trimmed[0]!, table: trimmed.slice(1).join('.') } : { table: trimmed[0]! };
}

/** A table name as SQL: `` `db`.`table` ``. */
export function quoteTable(name: string): string {
  const { db, table } = splitTableName(name);
  return db ? `${quoteId(db)}.${quoteId(table)}` : quoteId(table);
}

/** The columns config as a select list: names quoted, expressions kept and named. */
export function selectList(columns: string[]): string {
  return columns
    .map((c, i) => {
      const col = c.trim();
      if (col === '*') return '*';
      if (PLAIN.test(col) || QUOTED.test(col)) return quoteId(col);
      // DataX-style constant or expression column; keep a name the user gave with AS.
      if (/\s+as\s+(`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_$]*)\s*$/i.test(col)) return col;
      return `${col} AS \`expr_${i}\``;
    })
    .join(', ');
}

/** The plain column name of a columns entry, or undefined for expressions and `*`. */
export function plainColumn(col: string): string | undefined {
  const c = col.trim();
  if (PLAIN.test(c)) return c;
  if (QUOTED.test(c)) return c.slice(1, -1).replace(/``/g, '`');
  return undefined;
}

/** A SQL string literal. */
export function stringLiteral(text: string): string {
  return escape(text);
}

/** A SQL literal for split-key bytes: digits stay digits, text is quoted, binary is hex. */
export function keyLiteral(kind: 'int' | 'string' | 'binary', bytes: Uint8Array, s = 0, e = bytes.length): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset + s, e - s);
  if (kind === 'int') return buf.toString('latin1');
  if (kind === 'binary') return `X'${buf.toString('hex')}'`;
  return escape(buf.toString('utf8'));
}
