/**
 * Business dates on the command line. Every flag that takes a date
 * (`--bizdate`, `--from`, `--to`) accepts both `20240620` and `2024-06-20`,
 * so a date copied from a table partition or from an ISO timestamp works.
 */
import { ErrorCodes, FerryError } from '@ferry/core';

const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;

/**
 * `yyyymmdd` or `yyyy-mm-dd` -> `yyyymmdd`, checked against the calendar.
 * Mixed spellings (`2024-0620`) and impossible dates are refused, naming
 * the flag.
 */
export function parseBizdate(text: string | undefined, flag = '--bizdate'): string {
  const t = (text ?? '').trim();
  const m = DATE.exec(t);
  const dashes = (t.match(/-/g) ?? []).length;
  if (m && (dashes === 0 || dashes === 2)) {
    const [y, mo, d] = [+m[1]!, +m[2]!, +m[3]!];
    const back = new Date(Date.UTC(y, mo - 1, d));
    if (back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) return `${m[1]}${m[2]}${m[3]}`;
  }
  throw new FerryError(ErrorCodes.USAGE, `${flag} ${text ?? ''}: expected a date as yyyymmdd or yyyy-mm-dd`.replace('  ', ' '));
}
