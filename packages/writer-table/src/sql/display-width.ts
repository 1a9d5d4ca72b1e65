/**
 * Terminal display width of text, so tables line up with CJK and emoji:
 * a grapheme is 2 columns when it is East Asian wide/fullwidth or shown as
 * an emoji (including ZWJ sequences and flags), 0 when it is only combining
 * marks or control characters, else 1.
 */

let segmenter: Intl.Segmenter | undefined;

/** The grapheme segmenter, made on first use (it loads ICU data: not every command needs it). */
function graphemes(text: string): Iterable<Intl.SegmentData> {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter.segment(text);
}

// East Asian Wide (W) and Fullwidth (F) blocks of Unicode 15 (EastAsianWidth.txt), merged into ranges.
const WIDE: [number, number][] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\p{Regional_Indicator}/u;
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]+$/u;

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Columns `text` takes in a terminal. */
export function displayWidth(text: string): number {
  // Plain ASCII: one column per character.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const { segment } of graphemes(text)) {
    if (ZERO.test(segment)) continue;
    if (EMOJI.test(segment) || isWide(segment.codePointAt(0)!)) width += 2;
    else width += 1;
  }
  return width;
}

/** `text` padded with spaces to `width` display columns. */
export function padDisplay(text: string, width: number): string {
  const w = displayWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}

/** `text` cut to at most `max` display columns, ending in '...' when cut. */
export function truncateDisplay(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let out = '';
  let width = 0;
  for (const { segment } of graphemes(text)) {
    const w = displayWidth(segment);
    if (width + w > max - 3) break;
    out += segment;
    width += w;
  }
  return out + '...';
}

/**
 * A text table: header, a rule, rows; columns separated by ' | ' and padded
 * by display width, so CJK and emoji cells line up.
 */
export function textGrid(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[c]!))));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => padDisplay(s, widths[c]!))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n') + '\n';
}

/** A cell as a table shows it: NULL as NULL, one line (control characters escaped), at most 60 columns. */
export function cellDisplay(text: string | null): string {
  if (text === null) return 'NULL';
  const flat = text.replace(/[\r\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
  return truncateDisplay(flat, 60);
}
