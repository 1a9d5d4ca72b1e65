/**
 * CSV format (RFC 4180): fields may be quoted; a quoted field may hold the
 * delimiter, `""` for a quote, and line breaks, so a record can span lines
 * and regions. Unquoted fields are byte ranges of the input; quoted fields
 * with `""` are unescaped into a scratch buffer. Blank lines are skipped.
 */
import type { Data } from 'apache-arrow';
import type { ReaderConfig } from './config.js';
import { RowLines, RowSink, type DirtyFn, type Framer } from './row-sink.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvFramer implements Framer {
  private readonly sink: RowSink;
  private readonly delim: number;
  private readonly max: number;
  /** An incomplete record (open quote) carried to the next region. */
  private leftover: Buffer | undefined;
  private scratch = Buffer.allocUnsafe(64 * 1024);
  private scratchUsed = 0;
  /** Field ranges of the record being parsed (all fields, not just the wanted ones). */
  private wantMax: number;

  constructor(
    cfg: ReaderConfig,
    private skipFirst: boolean,
    private readonly dirty: DirtyFn,
  ) {
    this.sink = new RowSink(cfg.columns, cfg, dirty);
    this.delim = Buffer.from(cfg.delimiter, 'utf8')[0]!;
    this.max = cfg.maxLineBytes;
    this.wantMax = this.sink.maxIndex;
  }

  get rows(): number {
    return this.sink.rows;
  }

  get lines(): RowLines {
    return this.sink.lines;
  }

  /** Lines consumed so far in the split (a record spanning lines counts each). */
  private line = 0;

  push(region: Buffer): void {
    const buf = this.leftover ? Buffer.concat([this.leftover, region]) : region;
    this.leftover = undefined;
    const stop = this.parse(buf, false);
    if (stop < buf.length) {
      if (buf.length - stop > this.max) {
        this.dirty(buf.toString('utf8', stop, stop + 256) + '...', `CSV record longer than maxLineBytes (${this.max}) (unclosed quote?)`);
        // Resynchronise at the next line of what is left.
        const nl = buf.indexOf(LF, stop);
        if (nl >= 0 && nl + 1 < buf.length) this.push(Buffer.from(buf.subarray(nl + 1)));
        return;
      }
      this.leftover = Buffer.from(buf.subarray(stop));
    }
  }

  end(): void {
    if (this.leftover) {
      const buf = this.leftover;
      this.leftover = undefined;
      this.parse(buf, true);
    }
  }

  /** Parses whole records; returns where the first incomplete one starts (buf.length when none). */
  private parse(buf: Buffer, final: boolean): number {
    const n = buf.length;
    const d = this.delim;
    const sink = this.sink;
    const fieldBuf = sink.fieldBuf,
      fs = sink.fs,
      fe = sink.fe;
    const want = this.wantMax;
    let pos = 0;
    let nextDelim = -1;
    let nextNl = -1;
    while (pos < n) {
      const recStart = pos;
      // Blank line (LF or CRLF): no record.
      if (buf[pos] === LF || (buf[pos] === CR && buf[pos + 1] === LF)) {
        pos += buf[pos] === LF ? 1 : 2;
        this.line++;
        continue;
      }
      this.scratchUsed = 0;
      let k = 0;
      let recEnd = -1;
      /** Line breaks inside quoted fields of this record. */
      let innerLines = 0;
      let bad: string | undefined;
      for (;;) {
        let s: number, e: number;
        let fb = buf;
        if (buf[pos] === QUOTE) {
          let q = pos + 1;
          let escaped = false;
          let close = -1;
          for (;;) {
            const at = buf.indexOf(QUOTE, q);
            if (at < 0) break;
            if (buf[at + 1] === QUOTE) {
              escaped = true;
              q = at + 2;
              continue;
            }
            if (at + 1 >= n && !final) break; // cannot tell `"` from `""` yet
            close = at;
            break;
          }
          if (close < 0) {
            if (!final) return recStart;
            bad = 'unclosed quote at end of file';
            recEnd = n;
            break;
          }
          s = pos + 1;
          e = close;
          for (let nl = buf.indexOf(LF, s); nl >= 0 && nl < e; nl = buf.indexOf(LF, nl + 1)) innerLines++;
          if (escaped) {
            const r = this.unescape(buf, s, e);
            fb = this.scratch;
            s = r;
            e = this.scratchUsed;
          }
          pos = close + 1;
          const c = buf[pos];
          if (c === CR && buf[pos + 1] === LF) pos++;
          if (pos < n && buf[pos] !== d && buf[pos] !== LF) {
            bad = 'unexpected character after a closing quote';
            const nl = buf.indexOf(LF, pos);
            recEnd = nl < 0 ? n : nl + 1;
            break;
          }
        } else {
          if (nextDelim < pos) {
            nextDelim = buf.indexOf(d, pos);
            if (nextDelim < 0) nextDelim = n;
          }
          if (nextNl < pos) {
            nextNl = buf.indexOf(LF, pos);
            if (nextNl < 0) nextNl = n;
          }
          s = pos;
          e = nextDelim < nextNl ? nextDelim : nextNl;
          pos = e;
          if (pos === nextNl && e > s && buf[e - 1] === CR) e--;
        }
        if (k <= want) {
          fieldBuf[k] = fb;
          fs[k] = s;
          fe[k] = e;
        }
        k++;
        if (pos >= n) {
          recEnd = n;
          break;
        }
        if (buf[pos] === LF) {
          recEnd = pos + 1;
          break;
        }
        pos++; // the delimiter
        if (pos >= n) {
          // A trailing delimiter at the very end: one more empty field.
          if (k <= want) {
            fieldBuf[k] = buf;
            fs[k] = pos;
            fe[k] = pos;
          }
          k++;
          recEnd = n;
          break;
        }
      }
      pos = recEnd;
      const line = this.line + 1;
      this.line += 1 + innerLines;
      if (this.skipFirst) {
        this.skipFirst = false;
        continue;
      }
      const rs = recStart,
        re = recEnd;
      const raw = () => buf.toString('utf8', rs, re).replace(/\r?\n$/, '');
      sink.line = line;
      if (bad) this.dirty(raw(), bad, line);
      else if (re - rs > this.max) this.dirty(raw().slice(0, 256) + '...', `CSV record longer than maxLineBytes (${this.max})`, line);
      else sink.emit(Math.min(k, want + 1), raw);
    }
    return n;
  }

  /** Copies [s, e) with `""` -> `"` into the scratch buffer; returns the start there. */
  private unescape(buf: Buffer, s: number, e: number): number {
    const need = this.scratchUsed + (e - s);
    if (need > this.scratch.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.scratch.length * 2));
      this.scratch.copy(next, 0, 0, this.scratchUsed);
      this.scratch = next;
    }
    const start = this.scratchUsed;
    let w = start;
    for (let i = s; i < e; i++) {
      const c = buf[i]!;
      this.scratch[w++] = c;
      if (c === QUOTE) i++; // skip the second quote of a pair
    }
    this.scratchUsed = w;
    return start;
  }

  byteLength(): number {
    return this.sink.byteLength();
  }

  finish(): Data[] {
    return this.sink.finish();
  }
}
