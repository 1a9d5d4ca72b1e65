/**
 * DataWorks scheduling parameters: `$bizdate`, `$cyctime`, `$gmtdate`,
 * `$bizmonth`, `${FMT[+-N]}` (day precision, based on the business date B)
 * and `$[FMT...]` / `$[add_months(FMT,N)]` (second precision, based on the
 * scheduled time T). Everything is calendar arithmetic on wall-clock fields:
 * the values are already in the workspace time zone, so no Date in the
 * machine's zone is ever involved (that is the classic off-by-one source).
 */
import { ErrorCodes, FerryError } from './errors.js';
import { civilFromDays, daysFromCivil, daysInMonth } from './values.js';

/** The two base times of an instance, as wall-clock values in the workspace time zone. */
export interface CycleTimes {
  /** Business date B, `yyyymmdd`. */
  bizdate: string;
  /** Scheduled time T, `yyyymmddhh24miss`. */
  cyctime: string;
}

/** Wall-clock fields; `secs` counts seconds since 1970-01-01 00:00:00 of the wall clock. */
interface Wall {
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const p2 = (n: number) => (n < 10 ? '0' + n : String(n));
const p4 = (n: number) => String(n).padStart(4, '0');

function wallToSecs(w: Wall): number {
  return daysFromCivil(w.y, w.m, w.d) * 86400 + w.h * 3600 + w.mi * 60 + w.s;
}

function secsToWall(secs: number): Wall {
  const days = Math.floor(secs / 86400);
  let rest = secs - days * 86400;
  const [y, m, d] = civilFromDays(days);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const mi = Math.floor(rest / 60);
  return { y, m, d, h, mi, s: rest - mi * 60 };
}

/** Moves a wall time by whole months; the day clamps to the target month's last day. */
function addMonths(w: Wall, n: number): Wall {
  const idx = w.y * 12 + (w.m - 1) + n;
  const y = Math.floor(idx / 12);
  const m = idx - y * 12 + 1;
  return { ...w, y, m, d: Math.min(w.d, daysInMonth(y, m)) };
}

function parseYmd(text: string, what: string): Wall {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  const w = m ? { y: +m[1]!, m: +m[2]!, d: +m[3]!, h: 0, mi: 0, s: 0 } : undefined;
  if (!w || w.m < 1 || w.m > 12 || w.d < 1 || w.d > daysInMonth(w.y, w.m)) {
    throw new FerryError(ErrorCodes.PARAM, `${what} "${text}": expected a real date as yyyymmdd`);
  }
  return w;
}

function parseCyctime(text: string): Wall {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  const w = m ? { y: +m[1]!, m: +m[2]!, d: +m[3]!, h: +m[4]!, mi: +m[5]!, s: +m[6]! } : undefined;
  if (!w || w.m < 1 || w.m > 12 || w.d < 1 || w.d > daysInMonth(w.y, w.m) || w.h > 23 || w.mi > 59 || w.s > 59) {
    throw new FerryError(ErrorCodes.PARAM, `cyctime "${text}": expected a real time as yyyymmddhh24miss`);
  }
  return w;
}

const ymd = (w: Wall) => `${p4(w.y)}${p2(w.m)}${p2(w.d)}`;
const ymdhms = (w: Wall) => `${ymd(w)}${p2(w.h)}${p2(w.mi)}${p2(w.s)}`;

/**
 * Times of the instance for business date `bizdate`: B = bizdate, T = B + 1
 * day at `timeOfDay` (`HH:mm` or `HH:mm:ss`, default midnight), which is what
 * a backfill or a `--bizdate` run uses.
 */
export function cycleTimesForBizdate(bizdate: string, timeOfDay = '00:00:00'): CycleTimes {
  const b = parseYmd(bizdate, 'bizdate');
  const tm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(timeOfDay);
  const h = tm ? +tm[1]! : NaN,
    mi = tm ? +tm[2]! : NaN,
    s = tm?.[3] ? +tm[3] : 0;
  if (!tm || h > 23 || mi > 59 || s > 59) {
    throw new FerryError(ErrorCodes.PARAM, `time of day "${timeOfDay}": expected HH:mm or HH:mm:ss`);
  }
  const t = secsToWall(wallToSecs(b) + 86400 + h * 3600 + mi * 60 + s);
  return { bizdate: ymd(b), cyctime: ymdhms(t) };
}

/** Times of the instance scheduled at `cyctime` (`yyyymmddhh24miss`): B = T's day - 1. */
export function cycleTimesForCyctime(cyctime: string): CycleTimes {
  const t = parseCyctime(cyctime);
  const b = secsToWall(daysFromCivil(t.y, t.m, t.d) * 86400 - 86400);
  return { bizdate: ymd(b), cyctime };
}

const DATE_TOKENS = ['yyyy', 'yy', 'mm', 'dd'];
// hh24 before hh so the longer token wins.
const TIME_TOKENS = ['yyyy', 'yy', 'mm', 'dd', 'hh24', 'hh', 'mi', 'ss'];

type Piece = { token: string } | { literal: string };

interface Parsed {
  pieces: Piece[];
  /** The text after the format: offsets such as `-1`, `+2/24`, `-1-1/24`. */
  rest: string;
}

/**
 * Splits `FMT[offsets]`: tokens and literal separators until a `+`/`-`
 * followed by a digit, which starts the offsets (so `yyyy-mm-dd-1` is the
 * format `yyyy-mm-dd` and the offset `-1`). Returns undefined when a letter
 * is not part of a token or a digit or operator sits inside the format.
 */
function parseFormat(body: string, tokens: string[]): Parsed | undefined {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if ((c === '+' || c === '-') && /\d/.test(body[i + 1] ?? '')) break;
    const tok = tokens.find((t) => body.startsWith(t, i));
    if (tok) {
      pieces.push({ token: tok });
      i += tok.length;
    } else if (/[A-Za-z0-9+*()=]/.test(c)) {
      return undefined;
    } else {
      pieces.push({ literal: c });
      i++;
    }
  }
  if (!pieces.some((p) => 'token' in p)) return undefined;
  return { pieces, rest: body.slice(i) };
}

function format(pieces: Piece[], w: Wall): string {
  let out = '';
  for (const p of pieces) {
    if ('literal' in p) out += p.literal;
    else if (p.token === 'yyyy') out += p4(w.y);
    else if (p.token === 'yy') out += p4(w.y).slice(-2);
    else if (p.token === 'mm') out += p2(w.m);
    else if (p.token === 'dd') out += p2(w.d);
    else if (p.token === 'hh24') out += p2(w.h);
    else if (p.token === 'hh') out += p2(w.h % 12 === 0 ? 12 : w.h % 12);
    else if (p.token === 'mi') out += p2(w.mi);
    else out += p2(w.s);
  }
  return out;
}

/** Whether a body that failed to parse still reads as an attempted date expression (so it is an error, not a param name). */
function looksLikeDate(body: string, tokens: string[]): boolean {
  const lead = /^[a-z0-9]+/.exec(body)?.[0] ?? '';
  if (!tokens.some((t) => lead.startsWith(t))) return false;
  // A token run followed by arithmetic (`yyyymmdd+x`, `yyyymmdd-1/24`), or only token letters (`yyyymmddhh24`).
  return /[+\-*/]/.test(body) || /^(?:yyyy|yy|mm|dd|hh24|hh|mi|ss|[^A-Za-z])+$/.test(body);
}

function malformed(body: string, bracket: '{' | '[', why: string): FerryError {
  const expr = bracket === '{' ? `\${${body}}` : `$[${body}]`;
  return new FerryError(ErrorCodes.PARAM, `scheduling expression ${expr}: ${why}`);
}

function timesToWalls(times: CycleTimes): { b: Wall; t: Wall } {
  return { b: parseYmd(times.bizdate, 'bizdate'), t: parseCyctime(times.cyctime) };
}

function evalCurly(body: string, b: Wall): string | undefined {
  const parsed = parseFormat(body, DATE_TOKENS);
  if (!parsed) {
    if (!looksLikeDate(body, TIME_TOKENS)) return undefined;
    if (/hh24|hh|mi|ss/.test(body) && !/[+\-*/]/.test(body)) throw malformed(body, '{', 'hours, minutes and seconds are only available in $[...]');
    throw malformed(body, '{', 'expected a format of yyyy yy mm dd with an optional +N or -N');
  }
  const { pieces, rest } = parsed;
  let n = 0;
  if (rest !== '') {
    const off = /^([+-])(\d+)$/.exec(rest);
    if (!off) {
      if (/\//.test(rest)) throw malformed(body, '{', 'hour and minute offsets (N/24) are only available in $[...]');
      throw malformed(body, '{', `bad offset "${rest}" (expected +N or -N)`);
    }
    n = (off[1] === '-' ? -1 : 1) * +off[2]!;
  }
  const toks = new Set(pieces.flatMap((p) => ('token' in p ? [p.token] : [])));
  let w = b;
  // N counts the smallest unit in the format.
  if (n !== 0) {
    if (toks.has('dd')) w = secsToWall(wallToSecs(b) + n * 86400);
    else if (toks.has('mm')) w = addMonths(b, n);
    else w = addMonths(b, 12 * n);
  }
  return format(pieces, w);
}

function evalSquare(body: string, t: Wall): string | undefined {
  const am = /^add_months\s*\((.*)\)$/.exec(body);
  if (am || body.startsWith('add_months')) {
    const args = am ? /^\s*([^,]*?)\s*,\s*([+-]?\d+)\s*$/.exec(am[1]!) : null;
    const parsed = args ? parseFormat(args[1]!, TIME_TOKENS) : undefined;
    if (!args || !parsed || parsed.rest !== '') throw malformed(body, '[', 'expected add_months(FMT,N) with FMT of yyyy yy mm dd hh24 hh mi ss and N an integer');
    return format(parsed.pieces, addMonths(t, +args[2]!));
  }
  const parsed = parseFormat(body, TIME_TOKENS);
  if (!parsed) {
    if (!looksLikeDate(body, TIME_TOKENS)) return undefined;
    throw malformed(body, '[', 'expected a format of yyyy yy mm dd hh24 hh mi ss with optional offsets +-N (days), +-N/24 (hours), +-N/24/60 (minutes)');
  }
  let secs = wallToSecs(t);
  const re = /([+-])(\d+)(\/24(?:\/60)?)?/y;
  let i = 0;
  while (i < parsed.rest.length) {
    re.lastIndex = i;
    const m = re.exec(parsed.rest);
    if (!m) throw malformed(body, '[', `bad offset "${parsed.rest.slice(i)}" (expected +-N days, +-N/24 hours or +-N/24/60 minutes)`);
    const unit = m[3] === '/24/60' ? 60 : m[3] === '/24' ? 3600 : 86400;
    secs += (m[1] === '-' ? -1 : 1) * +m[2]! * unit;
    i = re.lastIndex;
  }
  return format(parsed.pieces, secsToWall(secs));
}

/**
 * Evaluates one expression body: bracket `{` for `${...}` (day precision,
 * base B) or `[` for `$[...]` (second precision, base T). Returns undefined
 * when `body` is not a date expression at all (so `${bizdate}`-style param
 * names fall through); throws FerryError PARAM naming the expression when it
 * looks like one but is malformed.
 */
export function evalDateExpression(body: string, bracket: '{' | '[', times: CycleTimes): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  const { b, t } = timesToWalls(times);
  return bracket === '{' ? evalCurly(text, b) : evalSquare(text, t);
}

/**
 * The built-ins `bizdate`, `cyctime`, `gmtdate`, `bizmonth` (name without
 * `$`); other names (`jobid`, ...) return undefined.
 */
export function evalBuiltin(name: string, times: CycleTimes): string | undefined {
  switch (name) {
    case 'bizdate':
      return ymd(parseYmd(times.bizdate, 'bizdate'));
    case 'cyctime':
      return ymdhms(parseCyctime(times.cyctime));
    case 'gmtdate':
      return ymd(parseCyctime(times.cyctime));
    case 'bizmonth': {
      // B's month, except that while T is still in that month the month is not complete: then the previous one.
      const { b, t } = timesToWalls(times);
      const w = b.y === t.y && b.m === t.m ? addMonths(b, -1) : b;
      return `${p4(w.y)}${p2(w.m)}`;
    }
    default:
      return undefined;
  }
}

const ALL = /\$\{([^}]*)\}|\$\[([^\]]*)\]|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Replaces every `$bizdate`/`$cyctime`/`$gmtdate`/`$bizmonth`, `${FMT[+-N]}`
 * and `$[FMT...]` / `$[add_months(FMT,N)]` in `text`; leaves `${name}`
 * params, `${env:...}` and unknown `$names` untouched.
 */
export function substituteSchedulingParams(text: string, times: CycleTimes): string {
  if (!text.includes('$')) return text;
  return text.replace(ALL, (whole, curly: string | undefined, square: string | undefined, name: string | undefined) => {
    if (curly !== undefined) {
      if (curly.trim().startsWith('env:')) return whole;
      return evalDateExpression(curly, '{', times) ?? whole;
    }
    if (square !== undefined) return evalDateExpression(square, '[', times) ?? whole;
    return evalBuiltin(name!, times) ?? whole;
  });
}
