/**
 * MaxCompute users write `where dt=20240620` against a STRING partition
 * column. DuckDB binds that as `CAST(dt AS INTEGER) = 20240620`: it fails on
 * any partition whose value is not a number, and since the cast may fail,
 * DuckDB does not push the filter into the view's branches, so every
 * partition's files are read. Quoting the number (`dt='20240620'`) compares
 * text, which is what the partition value is, and lets DuckDB drop the other
 * partitions before opening their files. Only `=`, `==`, `!=` and `<>`
 * between a STRING partition column's name and an integer literal are
 * rewritten; text in quotes and comments is left alone. Quoting a number
 * compared with a numeric column of the same name elsewhere in the query
 * changes nothing: DuckDB casts the string literal to that column's type.
 */

/** Splits SQL into code and the parts to leave alone (string literals, quoted names, comments). */
function segments(sql: string): { code: boolean; text: string }[] {
  const out: { code: boolean; text: string }[] = [];
  const re = /'(?:[^']|'')*'?|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g;
  let last = 0;
  for (const m of sql.matchAll(re)) {
    if (m.index! > last) out.push({ code: true, text: sql.slice(last, m.index) });
    out.push({ code: false, text: m[0] });
    last = m.index! + m[0].length;
  }
  if (last < sql.length) out.push({ code: true, text: sql.slice(last) });
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `sql` with integer literals compared to the named (STRING partition) columns quoted. */
export function quotePartitionLiterals(sql: string, columns: Iterable<string>): string {
  const names = [...new Set(columns)].map(escapeRegExp);
  if (names.length === 0) return sql;
  const name = `(?:"(?:${names.join('|')})"|\\b(?:${names.join('|')})\\b)`;
  const op = '(?:==|=|!=|<>)';
  const num = '-?\\d+(?![\\d.eE\\w])';
  const right = new RegExp(`(${name}\\s*${op}\\s*)(${num})`, 'gi');
  const left = new RegExp(`(?<![\\w.])(${num})(\\s*${op}\\s*(?:(?:"[^"]*"|\\w+)\\.)*${name})`, 'gi');
  return segments(sql)
    .map((s) => (s.code ? s.text.replace(right, "$1'$2'").replace(left, "'$1'$2") : s.text))
    .join('');
}
