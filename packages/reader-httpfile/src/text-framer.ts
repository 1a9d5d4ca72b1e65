/**
 * Text format: lines end at `\n` (a `\r` before it is dropped). Two framers:
 * whole lines into one STRING column (the tutorial's access log; bulk copy,
 * no per-line object), and lines split on a delimiter of one or more
 * characters (a linear scan: each delimiter is searched for once).
 */
import { type Data, Utf8 } from 'apache-arrow';
import { VarBuilder } from '@ferry/core/channel';
import type { ReaderConfig } from './config.js';
import { RowLines, RowSink, type DirtyFn, type Framer } from './row-sink.js';

function overlong(buf: Buffer, s: number, e: number, max: number, dirty: DirtyFn, line: number): void {
  dirty(buf.toString('utf8', s, Math.min(e, s + 256)) + '...', `line of ${e - s} bytes is longer than maxLineBytes (${max})`, line);
}

/** Each whole line is one value of the only column. */
export class WholeLineFramer implements Framer {
  private readonly b = new VarBuilder(new Utf8(), 256 * 1024);
  private readonly nullFormat: Buffer | undefined;
  readonly lines = new RowLines();
  /** Lines framed so far in the split (header and dirty lines counted). */
  private line = 0;

  constructor(
    cfg: Pick<ReaderConfig, 'nullFormat' | 'maxLineBytes'>,
    private skipFirst: boolean,
    private readonly dirty: DirtyFn,
    private readonly max = cfg.maxLineBytes,
  ) {
    this.nullFormat = cfg.nullFormat === undefined ? undefined : Buffer.from(cfg.nullFormat, 'utf8');
  }

  get rows(): number {
    return this.b.length;
  }

  push(buf: Buffer): void {
    const b = this.b;
    const n = buf.length;
    // One bulk copy of the region, then each line is moved down over the
    // newline bytes before it (copyWithin, no allocation).
    b.reserve(n, 64);
    const base = b.used;
    b.bytes.set(buf, base);
    let bytes = b.bytes;
    let offsets = b.offsets;
    let used = base;
    let length = b.length;
    const nf = this.nullFormat;
    let pos = 0;
    while (pos < n) {
      const nl = buf.indexOf(10, pos);
      const next = nl < 0 ? n : nl + 1;
      let e = nl < 0 ? n : nl;
      if (e > pos && buf[e - 1] === 13) e--;
      const line = ++this.line;
      if (this.skipFirst) {
        this.skipFirst = false;
        pos = next;
        continue;
      }
      const len = e - pos;
      if (len > this.max) {
        overlong(buf, pos, e, this.max, this.dirty, line);
        pos = next;
        continue;
      }
      this.lines.push(line);
      if (length + 2 > offsets.length) {
        b.used = used;
        b.length = length;
        b.reserve(0, offsets.length);
        offsets = b.offsets;
        bytes = b.bytes;
      }
      if (nf !== undefined && len === nf.length && buf.compare(nf, 0, len, pos, e) === 0) {
        b.used = used;
        b.length = length;
        b.appendNull();
        offsets = b.offsets;
        length = b.length;
        pos = next;
        continue;
      }
      const src = base + pos;
      if (src !== used) bytes.copyWithin(used, src, src + len);
      used += len;
      offsets[++length] = used;
      pos = next;
    }
    b.used = used;
    b.length = length;
  }

  end(): void {}

  byteLength(): number {
    return this.b.byteLength();
  }

  finish(): Data[] {
    return [this.b.finish()];
  }
}

/** Lines split on a delimiter; columns pick fields by index. */
export class DelimitedFramer implements Framer {
  private readonly sink: RowSink;
  private readonly delim: Buffer;
  private readonly delimByte: number;
  private readonly max: number;
  private line = 0;

  constructor(
    cfg: ReaderConfig,
    private skipFirst: boolean,
    private readonly dirty: DirtyFn,
  ) {
    this.sink = new RowSink(cfg.columns, cfg, dirty);
    this.delim = Buffer.from(cfg.delimiter, 'utf8');
    this.delimByte = this.delim.length === 1 ? this.delim[0]! : -1;
    this.max = cfg.maxLineBytes;
  }

  get rows(): number {
    return this.sink.rows;
  }

  get lines(): RowLines {
    return this.sink.lines;
  }

  push(buf: Buffer): void {
    const sink = this.sink;
    const maxIndex = sink.maxIndex;
    const fieldBuf = sink.fieldBuf,
      fs = sink.fs,
      fe = sink.fe;
    const dlen = this.delim.length;
    const needle: Buffer | number = this.delimByte >= 0 ? this.delimByte : this.delim;
    const n = buf.length;
    // The next delimiter at or after the last search start; reused across lines
    // while it lies ahead, so the scan stays linear however few fields lines have.
    let nextDelim = -1;
    let pos = 0;
    while (pos < n) {
      const nl = buf.indexOf(10, pos);
      const next = nl < 0 ? n : nl + 1;
      let e = nl < 0 ? n : nl;
      if (e > pos && buf[e - 1] === 13) e--;
      sink.line = ++this.line;
      if (this.skipFirst) {
        this.skipFirst = false;
        pos = next;
        continue;
      }
      if (e - pos > this.max) {
        overlong(buf, pos, e, this.max, this.dirty, sink.line);
        pos = next;
        continue;
      }
      let k = 0;
      let fstart = pos;
      while (k <= maxIndex) {
        if (nextDelim < fstart && nextDelim !== Infinity) {
          nextDelim = buf.indexOf(needle, fstart);
          if (nextDelim < 0) nextDelim = Infinity;
        }
        fieldBuf[k] = buf;
        fs[k] = fstart;
        if (nextDelim + dlen <= e) {
          fe[k] = nextDelim;
          fstart = nextDelim + dlen;
          k++;
        } else {
          fe[k] = e;
          k++;
          break;
        }
      }
      const s0 = pos;
      sink.emit(k, () => buf.toString('utf8', s0, e));
      pos = next;
    }
  }

  end(): void {}

  byteLength(): number {
    return this.sink.byteLength();
  }

  finish(): Data[] {
    return this.sink.finish();
  }
}
