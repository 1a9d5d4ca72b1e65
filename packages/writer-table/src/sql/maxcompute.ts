/**
 * MaxCompute SQL on DuckDB: the functions whose MaxCompute spelling or
 * meaning differs from DuckDB's are DuckDB macros made on every connection
 * (so `getdate()`, `datetrunc(d, 'dd')`, `regexp_extract(s, p)` mean what
 * they mean in MaxCompute), and the few things a macro cannot express are
 * rewritten in the text, keeping the way back to the user's offsets:
 *
 * - `a [NOT] RLIKE b` -> `[NOT] regexp_matches(a, b)` (DuckDB has no RLIKE;
 *   its `~` matches the whole string, RLIKE a part of it);
 * - `split(s, sep)[i]` -> `split(s, sep)[i + 1]` (MaxCompute arrays count
 *   from 0, DuckDB lists from 1);
 * - `` `name` `` -> `"name"` (MaxCompute quotes names with backticks);
 * - the format literal of `to_char(d, 'yyyymmdd')` and `to_date(s, 'yyyy-mm-dd')`
 *   -> strftime's (`'%Y%m%d'`): DuckDB wants a constant format.
 *
 * docs/sql.md lists the mapping; a test checks the list names every macro.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import { sqlErrorWithPosition } from './duck-error.js';
import { applyEdits, type Edit, type MappedText } from './text-edits.js';

/** A MaxCompute function as a DuckDB macro: its overloads `(params) AS body`. */
export interface MacroDef {
  name: string;
  overloads: [params: string, body: string][];
}

// MaxCompute date parts ('dd', 'mm', ...) as DuckDB's; anything else fails the query naming it.
const part = (p: string) =>
  `CASE lower(${p}) WHEN 'yyyy' THEN 'year' WHEN 'year' THEN 'year' WHEN 'q' THEN 'quarter' WHEN 'quarter' THEN 'quarter' ` +
  `WHEN 'mm' THEN 'month' WHEN 'mon' THEN 'month' WHEN 'month' THEN 'month' WHEN 'week' THEN 'week' ` +
  `WHEN 'dd' THEN 'day' WHEN 'day' THEN 'day' WHEN 'hh' THEN 'hour' WHEN 'hour' THEN 'hour' ` +
  `WHEN 'mi' THEN 'minute' WHEN 'ss' THEN 'second' WHEN 'ff3' THEN 'millisecond' ` +
  `ELSE error('unknown date part ' || ${p} || ' (use yyyy, q, mm, week, dd, hh, mi, ss or ff3)') END`;
const FORMAT_PARTS: Record<string, string> = { yyyy: '%Y', mm: '%m', dd: '%d', hh: '%H', mi: '%M', ss: '%S', ff3: '%g' };

/** A MaxCompute date format ('yyyy-mm-dd hh:mi:ss') as strftime's ('%Y-%m-%d %H:%M:%S'). */
export function strftimeFormat(format: string): string {
  return format.replace(/%/g, '%%').replace(/yyyy|mm|dd|hh|mi|ss|ff3/gi, (p) => FORMAT_PARTS[p.toLowerCase()]!);
}
const ts = (d: string) => `CAST(${d} AS TIMESTAMP)`;

/** decode(e, s1, r1, ..., [default]) for 3 to 11 arguments (NULL matches NULL, as in MaxCompute). */
function decodeOverloads(): [string, string][] {
  const out: [string, string][] = [];
  for (let n = 3; n <= 11; n++) {
    const params = Array.from({ length: n }, (_, i) => (i === 0 ? 'e' : `a${i}`));
    const pairs = Math.floor((n - 1) / 2);
    const whens = Array.from({ length: pairs }, (_, i) => `WHEN e IS NOT DISTINCT FROM a${2 * i + 1} THEN a${2 * i + 2}`).join(' ');
    out.push([params.join(', '), `CASE ${whens}${(n - 1) % 2 ? ` ELSE a${n - 1}` : ''} END`]);
  }
  return out;
}

/** concat(a, b, ...) for 2 to 8 arguments: NULL when any is (MaxCompute), not skipped (DuckDB). */
function concatOverloads(): [string, string][] {
  const out: [string, string][] = [];
  for (let n = 2; n <= 8; n++) {
    const params = Array.from({ length: n }, (_, i) => `a${i}`);
    out.push([params.join(', '), params.map((p) => `CAST(${p} AS VARCHAR)`).join(' || ')]);
  }
  return out;
}

/** The mapped functions, in the order of docs/sql.md's table. */
export const MAXCOMPUTE_MACROS: MacroDef[] = [
  { name: 'getdate', overloads: [['', 'current_localtimestamp()']] },
  // The format literal is rewritten to strftime's by rewriteMaxCompute (DuckDB needs a constant format).
  {
    name: 'to_char',
    overloads: [
      ['d, f', `strftime(${ts('d')}, f)`],
      ['x', 'CAST(x AS VARCHAR)'],
    ],
  },
  {
    name: 'to_date',
    overloads: [
      ['s, f', 'strptime(s, f)'],
      ['s', 'CAST(s AS DATE)'],
    ],
  },
  { name: 'datetrunc', overloads: [['d, p', `date_trunc(${part('p')}, ${ts('d')})`]] },
  {
    name: 'dateadd',
    overloads: [
      [
        'd, n, p',
        `CASE ${part('p')} WHEN 'year' THEN ${ts('d')} + to_years(CAST(n AS INTEGER)) WHEN 'quarter' THEN ${ts('d')} + to_months(3 * CAST(n AS INTEGER)) ` +
          `WHEN 'month' THEN ${ts('d')} + to_months(CAST(n AS INTEGER)) WHEN 'week' THEN ${ts('d')} + to_days(7 * CAST(n AS INTEGER)) WHEN 'day' THEN ${ts('d')} + to_days(CAST(n AS INTEGER)) ` +
          `WHEN 'hour' THEN ${ts('d')} + to_hours(CAST(n AS BIGINT)) WHEN 'minute' THEN ${ts('d')} + to_minutes(CAST(n AS BIGINT)) ELSE ${ts('d')} + to_seconds(CAST(n AS BIGINT)) END`,
      ],
    ],
  },
  {
    name: 'datediff',
    overloads: [
      ['a, b, p', `date_diff(${part('p')}, ${ts('b')}, ${ts('a')})`],
      ['a, b', `date_diff('day', ${ts('b')}, ${ts('a')})`],
    ],
  },
  { name: 'datepart', overloads: [['d, p', `date_part(${part('p')}, ${ts('d')})`]] },
  { name: 'weekday', overloads: [['d', `isodow(${ts('d')}) - 1`]] },
  { name: 'lastday', overloads: [['d', `CAST(last_day(${ts('d')}) AS TIMESTAMP)`]] },
  { name: 'unix_timestamp', overloads: [['d', `CAST(epoch(${ts('d')}) AS BIGINT)`]] },
  { name: 'from_unixtime', overloads: [['n', 'CAST(to_timestamp(CAST(n AS DOUBLE)) AS TIMESTAMP)']] },
  { name: 'nvl', overloads: [['a, b', 'coalesce(a, b)']] },
  { name: 'tolower', overloads: [['s', 'lower(s)']] },
  { name: 'toupper', overloads: [['s', 'upper(s)']] },
  { name: 'concat', overloads: concatOverloads() },
  { name: 'split', overloads: [['s, sep', 'string_split_regex(s, sep)']] },
  { name: 'size', overloads: [['x', 'len(x)']] },
  {
    name: 'regexp_extract',
    overloads: [
      ['s, p', 'CASE WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p, 1) END'],
      ['s, p, i', 'CASE WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p, i) END'],
    ],
  },
  {
    name: 'regexp_substr',
    overloads: [
      ['s, p', 'CASE WHEN regexp_matches(s, p) THEN system.main.regexp_extract(s, p, 0) END'],
      ['s, p, pos', 'CASE WHEN regexp_matches(substr(s, pos), p) THEN system.main.regexp_extract(substr(s, pos), p, 0) END'],
    ],
  },
  { name: 'regexp_replace', overloads: [['s, p, r', "system.main.regexp_replace(s, p, r, 'g')"]] },
  { name: 'regexp_count', overloads: [['s, p', 'len(regexp_extract_all(s, p))']] },
  { name: 'get_json_object', overloads: [['j, path', 'json_extract_string(j, path)']] },
  { name: 'wm_concat', overloads: [['sep, s', 'string_agg(s, sep)']] },
  { name: 'decode', overloads: decodeOverloads() },
];

const BY_NAME = new Map(MAXCOMPUTE_MACROS.map((m) => [m.name, m]));

/**
 * The `CREATE TEMP MACRO` script that defines the mapped functions among
 * `words` (all when not given) on a connection: made only when a statement
 * names them, as a session makes its views (all of them cost ~10 ms).
 * `getdate()` is the time in `timeZone` (a workspace's; UTC without one).
 */
export function macroScript(words?: Iterable<string>, timeZone?: string): string {
  const wanted = words === undefined ? MAXCOMPUTE_MACROS : [...words].flatMap((w) => BY_NAME.get(w) ?? []);
  return wanted
    .map((m) => (m.name === 'getdate' && timeZone ? { name: m.name, overloads: [['', `timezone('${timeZone.replace(/'/g, "''")}', now())`]] } : m))
    .map((m) => `CREATE OR REPLACE TEMP MACRO ${m.name}${m.overloads.map(([p, b]) => `(${p}) AS ${b}`).join(', ')};`)
    .join('\n');
}

/** A token of SQL text. */
interface Token {
  kind: 'word' | 'quoted' | 'backtick' | 'string' | 'number' | 'punct' | 'space';
  text: string;
  at: number;
  end: number;
}

const TOKEN = /(\s+|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?)|(`[^`]*`?)|([A-Za-z_][A-Za-z0-9_$]*)|(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|([\s\S])/g;

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  for (const m of sql.matchAll(TOKEN)) {
    const kind: Token['kind'] =
      m[1] !== undefined
        ? 'space'
        : m[2] !== undefined
          ? 'string'
          : m[3] !== undefined
            ? 'quoted'
            : m[4] !== undefined
              ? 'backtick'
              : m[5] !== undefined
                ? 'word'
                : m[6] !== undefined
                  ? 'number'
                  : 'punct';
    out.push({ kind, text: m[0], at: m.index!, end: m.index! + m[0].length });
  }
  return out;
}

/** Token indexes without spaces and comments. */
class Cursor {
  readonly sig: Token[];
  constructor(tokens: Token[]) {
    this.sig = tokens.filter((t) => t.kind !== 'space');
  }
  is(i: number, text: string): boolean {
    const t = this.sig[i];
    return t !== undefined && (t.kind === 'punct' ? t.text === text : t.kind === 'word' && t.text.toLowerCase() === text);
  }
  /** The index of the bracket closing the one at `i`, or -1. */
  close(i: number): number {
    const open = this.sig[i]!.text;
    const shut = open === '(' ? ')' : ']';
    let depth = 0;
    for (let j = i; j < this.sig.length; j++) {
      if (this.is(j, open)) depth++;
      else if (this.is(j, shut) && --depth === 0) return j;
    }
    return -1;
  }
  /** The index of the bracket opening the one at `i`, or -1. */
  open(i: number): number {
    const shut = this.sig[i]!.text;
    const open = shut === ')' ? '(' : '[';
    let depth = 0;
    for (let j = i; j >= 0; j--) {
      if (this.is(j, shut)) depth++;
      else if (this.is(j, open) && --depth === 0) return j;
    }
    return -1;
  }
  private name(i: number): boolean {
    const t = this.sig[i];
    return t !== undefined && (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'backtick');
  }
  /** First token of the operand ending at `i` (a name, a.b, a call, a literal, (...), x[...]), or -1. */
  operandStart(i: number): number {
    const t = this.sig[i];
    if (!t) return -1;
    let start: number;
    if (this.is(i, ')') || this.is(i, ']')) {
      const o = this.open(i);
      if (o < 0) return -1;
      start = o;
      if (this.name(o - 1) || this.is(o - 1, ')') || this.is(o - 1, ']')) return this.operandStart(o - 1);
      return start;
    }
    if (t.kind === 'string' || t.kind === 'number') return i;
    if (!this.name(i)) return -1;
    start = i;
    while (this.is(start - 1, '.') && this.name(start - 2)) start -= 2;
    return start;
  }
  /** Last token of the operand starting at `i`, or -1. */
  operandEnd(i: number): number {
    const t = this.sig[i];
    if (!t) return -1;
    let end: number;
    if (this.is(i, '(')) end = this.close(i);
    else if (t.kind === 'string' || t.kind === 'number') end = i;
    else if (this.name(i)) {
      end = i;
      while (this.is(end + 1, '.') && this.name(end + 2)) end += 2;
      if (this.is(end + 1, '(')) end = this.close(end + 1);
    } else return -1;
    while (end >= 0 && this.is(end + 1, '[')) end = this.close(end + 1);
    return end;
  }
}

const fail = (sql: string, at: number, what: string) => sqlErrorWithPosition(ErrorCodes.SQL, what, sql, at);

/** `sql` with RLIKE, split(...)[i] and backtick names in DuckDB's spelling, mapped back to `sql`. */
export function rewriteMaxCompute(sql: string): MappedText {
  const tokens = tokenize(sql);
  const c = new Cursor(tokens);
  const sig = c.sig;
  const edits: Edit[] = [];
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!;
    if (t.kind === 'backtick') {
      if (!t.text.endsWith('`') || t.text.length < 2) throw fail(sql, t.at, 'unterminated `name`');
      edits.push({ at: t.at, end: t.end, text: `"${t.text.slice(1, -1).replace(/"/g, '""')}"` });
    } else if (c.is(i, 'rlike')) {
      const not = c.is(i - 1, 'not');
      const leftEnd = not ? i - 2 : i - 1;
      const leftStart = c.operandStart(leftEnd);
      const rightEnd = c.operandEnd(i + 1);
      if (leftStart < 0 || rightEnd < 0) throw fail(sql, t.at, 'RLIKE needs an operand on each side (a name, a call, a literal or a parenthesis)');
      edits.push({ at: sig[leftStart]!.at, end: sig[leftStart]!.at, text: `${not ? 'NOT ' : ''}regexp_matches(` });
      edits.push({ at: sig[leftEnd]!.end, end: sig[i + 1]!.at, text: ', ' });
      edits.push({ at: sig[rightEnd]!.end, end: sig[rightEnd]!.end, text: ')' });
    } else if ((c.is(i, 'to_char') || c.is(i, 'to_date')) && !c.is(i - 1, '.') && c.is(i + 1, '(')) {
      const shut = c.close(i + 1);
      const f = sig[shut - 1];
      if (shut > 0 && f?.kind === 'string' && c.is(shut - 2, ',') && f.text.length >= 2) {
        edits.push({ at: f.at, end: f.end, text: `'${strftimeFormat(f.text.slice(1, -1))}'` });
      }
    } else if (c.is(i, 'split') && !c.is(i - 1, '.') && c.is(i + 1, '(')) {
      const shut = c.close(i + 1);
      if (shut < 0 || !c.is(shut + 1, '[')) continue;
      const bracket = c.close(shut + 1);
      if (bracket < 0) continue;
      const first = sig[shut + 2];
      if (bracket === shut + 3 && first && first.kind === 'number' && /^\d+$/.test(first.text)) edits.push({ at: first.at, end: first.end, text: String(Number(first.text) + 1) });
      else {
        edits.push({ at: sig[shut + 1]!.end, end: sig[shut + 1]!.end, text: '(' });
        edits.push({ at: sig[bracket]!.at, end: sig[bracket]!.at, text: ') + 1' });
      }
    }
  }
  try {
    return applyEdits(sql, edits);
  } catch {
    throw new FerryError(ErrorCodes.SQL, 'cannot map a nested RLIKE to DuckDB: put parentheses around each RLIKE');
  }
}
