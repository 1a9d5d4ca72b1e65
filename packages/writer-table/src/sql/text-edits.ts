/**
 * Text that ferry changed before DuckDB saw it (parameters filled, MaxCompute
 * spellings mapped, partition values quoted), with the way back: an offset
 * in the changed text maps to the offset in the text the user wrote, so an
 * error points at the user's file, not at ferry's rewrite of it.
 */

/** One change: source characters [at, end) become `text`. */
export interface Edit {
  at: number;
  end: number;
  text: string;
}

/** A rewritten text and the map from its offsets to the source's. */
export interface MappedText {
  text: string;
  /** The source offset of an offset in `text` (inside a replacement: where the replaced source starts). */
  toSource(offset: number): number;
}

/** The source unchanged. */
export function unchanged(text: string): MappedText {
  return { text, toSource: (offset) => offset };
}

/** Applies non-overlapping edits (any order) to `source`. */
export function applyEdits(source: string, edits: Edit[]): MappedText {
  // At the same place, insertions go before a replacement that starts there.
  const sorted = [...edits].sort((a, b) => a.at - b.at || a.end - a.at - (b.end - b.at));
  // Each piece of the result: where it starts there and in the source, and whether it is copied (mappable char by char).
  const pieces: { out: number; src: number; len: number; copied: boolean }[] = [];
  let text = '';
  let pos = 0;
  const copy = (to: number) => {
    if (to > pos) {
      pieces.push({ out: text.length, src: pos, len: to - pos, copied: true });
      text += source.slice(pos, to);
    }
  };
  for (const e of sorted) {
    if (e.at < pos) throw new Error(`overlapping edits at ${e.at}`);
    copy(e.at);
    pieces.push({ out: text.length, src: e.at, len: e.text.length, copied: false });
    text += e.text;
    pos = e.end;
  }
  copy(source.length);
  const toSource = (offset: number): number => {
    let lo = 0;
    let hi = pieces.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (pieces[mid]!.out <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return offset;
    const p = pieces[found]!;
    if (offset >= p.out + p.len) return p.copied ? p.src + p.len : p.src;
    return p.copied ? p.src + (offset - p.out) : p.src;
  };
  return { text, toSource };
}

/** `outer` rewrites `inner.text`: the map from `outer.text` back to `inner`'s source. */
export function compose(inner: MappedText, outer: MappedText): MappedText {
  return { text: outer.text, toSource: (offset) => inner.toSource(outer.toSource(offset)) };
}

/** The map of a rewrite that only inserted characters into `source` (walks both texts). */
export function insertionsOnly(source: string, result: string): MappedText {
  if (source === result) return unchanged(source);
  return {
    text: result,
    toSource(offset) {
      let i = 0;
      for (let j = 0; j < offset && j < result.length; j++) if (result[j] === source[i]) i++;
      return i;
    },
  };
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}

/** The character offset of a UTF-8 byte offset (DuckDB reports byte positions). */
export function charOffset(text: string, byteOffset: number): number {
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < byteOffset) {
    const cp = text.codePointAt(i)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}
