/**
 * Makes a region of lines valid UTF-8 before it is framed. UTF-8 input is
 * checked in one `isUtf8` call per region (simdutf, GB/s) and passes through
 * untouched when valid; only a region with bad bytes is redone line by line.
 * Other encodings are decoded with TextDecoder and re-encoded: a region
 * always ends at a line end, and in the ASCII-compatible encodings we accept
 * a 0x0A byte is always a newline, so no character is ever cut in two.
 */
import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

const FFFD = Buffer.from([0xef, 0xbf, 0xbd]);

function countBytes(buf: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) n++;
  return n;
}

function countChar(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

function stripEol(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

export class Utf8Gate {
  private readonly decoder: TextDecoder | undefined;

  /**
   * @param onReplaced called with how many U+FFFD were put in for invalid bytes
   * @param onDirty called for each line dropped because of invalid bytes (mode "dirty")
   */
  constructor(
    encoding: string,
    private readonly mode: 'replace' | 'dirty',
    private readonly onReplaced: (n: number) => void,
    private readonly onDirty: (line: string, reason: string) => void,
  ) {
    this.decoder = encoding === 'utf-8' ? undefined : new TextDecoder(encoding);
  }

  /** The region as valid UTF-8 (lines with bad bytes repaired, or dropped as dirty). */
  pass(region: Buffer): Buffer {
    if (!this.decoder) {
      if (isUtf8(region)) return region;
      return this.repairUtf8(region);
    }
    const text = this.decoder.decode(region);
    const bad = countChar(text, '\uFFFD');
    if (bad === 0 || this.mode === 'replace') {
      if (bad > 0) this.onReplaced(bad);
      return Buffer.from(text, 'utf8');
    }
    const lines = text.split('\n');
    const kept: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const isLast = i === lines.length - 1;
      if (isLast && line === '') break;
      if (line.includes('\uFFFD')) this.onDirty(stripEol(line), `bytes invalid in ${this.decoder.encoding}`);
      else kept.push(isLast ? line : line + '\n');
    }
    return Buffer.from(kept.join(''), 'utf8');
  }

  private repairUtf8(region: Buffer): Buffer {
    const parts: Buffer[] = [];
    let replaced = 0;
    let pos = 0;
    while (pos < region.length) {
      const nl = region.indexOf(10, pos);
      const next = nl < 0 ? region.length : nl + 1;
      const line = region.subarray(pos, next);
      if (isUtf8(line)) parts.push(line);
      else if (this.mode === 'dirty') this.onDirty(stripEol(line.toString('utf8').replace(/\n$/, '')), 'bytes invalid in utf-8');
      else {
        const fixed = Buffer.from(line.toString('utf8'), 'utf8');
        replaced += countBytes(fixed, FFFD) - countBytes(line, FFFD);
        parts.push(fixed);
      }
      pos = next;
    }
    if (replaced > 0) this.onReplaced(replaced);
    return Buffer.concat(parts);
  }
}
