/** SQL text: quoted names, the select list, literals for split boundaries. */
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

/** The character set and collation of a string key column, so its literals compare exactly as the column does. */
export interface KeyCollation {
  charset: string;
  collation: string;
}

const NAME_RE = /^[A-Za-z0-9_]+$/;

/**
 * A string key value as SQL that no sql_mode can reread (NO_BACKSLASH_ESCAPES
 * turns a backslash-escaped quote into the end of the string): a hex literal
 * of its UTF-8 bytes (the connection's character set), converted to the
 * column's character set and given its collation.
 */
export function textKeyLiteral(utf8: Uint8Array, coll?: KeyCollation): string {
  const hex = `_utf8mb4 X'${Buffer.from(utf8.buffer, utf8.byteOffset, utf8.byteLength).toString('hex')}'`;
  if (!coll) return hex;
  if (!NAME_RE.test(coll.charset) || !NAME_RE.test(coll.collation)) throw new Error(`unexpected character set ${coll.charset} / collation ${coll.collation}`);
  return coll.charset.toLowerCase() === 'utf8mb4' ? `${hex} COLLATE ${coll.collation}` : `CONVERT(${hex} USING ${coll.charset}) COLLATE ${coll.collation}`;
}

/** A key value for messages (never sent to the server): `'text'` with quotes doubled. */
export function keyText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A SQL literal for split-key bytes as the server sent them: digits stay digits, text and binary become hex. */
export function keyLiteral(kind: 'int' | 'string' | 'binary', bytes: Uint8Array, s = 0, e = bytes.length, coll?: KeyCollation): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset + s, e - s);
  if (kind === 'int') {
    const digits = buf.toString('latin1');
    // The text protocol sends integers as digits; anything else must never be pasted into SQL.
    if (!/^-?\d+$/.test(digits)) throw new Error(`integer split key is not an integer: ${JSON.stringify(digits.slice(0, 40))}`);
    return digits;
  }
  if (kind === 'binary') return `X'${buf.toString('hex')}'`;
  return textKeyLiteral(buf, coll);
}
