/**
 * Turns the fields found in one line (or CSV record) into column values:
 * picks the configured indexes, fills constants, applies nullFormat and date
 * layouts, and makes the row a dirty record when it cannot be complete. Every
 * column is Arrow Utf8 built from bytes; the engine casts to the destination.
 */
import { type Data, Utf8 } from 'apache-arrow';
import { daysInMonth, VarBuilder } from '@ferry/core/channel';
import type { Column, ReaderConfig } from './config.js';

/** Reports a row that cannot become a record: its text, why, and its line (1-based in the split) when known. */
export type DirtyFn = (row: string, reason: string, line?: number) => void;

/** The line (1-based in the split) of each row framed since the last `take`: dirty rows found later point to their line. */
export class RowLines {
  private arr = new Int32Array(4096);
  private n = 0;

  push(line: number): void {
    if (this.n === this.arr.length) {
      const next = new Int32Array(this.arr.length * 2);
      next.set(this.arr);
      this.arr = next;
    }
    this.arr[this.n++] = line;
  }

  take(): Int32Array {
    const out = this.arr.slice(0, this.n);
    this.n = 0;
    return out;
  }
}

/** What the read loop needs from a framer (text lines or CSV records). */
export interface Framer {
  /** Frames a region of whole lines (UTF-8). */
  push(region: Buffer): void;
  /** Frames what is left at the end of the split. */
  end(): void;
  readonly rows: number;
  byteLength(): number;
  /** The columns built so far, one Data per schema field; starts over. */
  finish(): Data[];
  /** The line of each row of the last `finish` (call right after it). */
  readonly lines: RowLines;
}

/**
 * A Java-style layout (`yyyy`, `MM`, `dd`, `HH`, `mm`, `ss`, `SSS`, also `M`,
 * `d`, `H`, text in single quotes) -> `yyyy-mm-dd` (or `yyyy-mm-dd
 * hh:mm:ss[.fff]` when the layout has a time of day), or undefined when the
 * text does not fit or is not a real date/time.
 */
export function compileDateFormat(format: string): (text: string) => string | undefined {
  let re = '';
  const order: ('y' | 'M' | 'd' | 'H' | 'm' | 's' | 'S')[] = [];
  for (let i = 0; i < format.length; ) {
    if (format[i] === "'") {
      const close = format.indexOf("'", i + 1);
      const lit = close < 0 ? format.slice(i + 1) : format.slice(i + 1, close);
      re += lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i = close < 0 ? format.length : close + 1;
      continue;
    }
    const tok = /^(yyyy|MM|dd|HH|mm|ss|SSS|M|d|H)/.exec(format.slice(i))?.[1];
    if (tok) {
      re += tok === 'yyyy' ? '(\\d{4})' : tok === 'SSS' ? '(\\d{1,9})' : tok.length === 2 ? '(\\d{2})' : '(\\d{1,2})';
      order.push(tok[0] as 'y' | 'M' | 'd' | 'H' | 'm' | 's' | 'S');
      i += tok.length;
    } else {
      re += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  const rx = new RegExp(`^${re}$`);
  const withTime = order.some((k) => k === 'H' || k === 'm' || k === 's' || k === 'S');
  const p2 = (n: number) => (n < 10 ? '0' : '') + n;
  return (text) => {
    const m = rx.exec(text);
    if (!m) return undefined;
    let y = 0,
      mo = 0,
      d = 0,
      h = 0,
      mi = 0,
      sec = 0;
    let frac = '';
    order.forEach((k, i) => {
      const t = m[i + 1]!;
      const v = Number(t);
      if (k === 'y') y = v;
      else if (k === 'M') mo = v;
      else if (k === 'd') d = v;
      else if (k === 'H') h = v;
      else if (k === 'm') mi = v;
      else if (k === 's') sec = v;
      else frac = t;
    });
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) return undefined;
    const date = `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}`;
    return withTime ? `${date} ${p2(h)}:${p2(mi)}:${p2(sec)}${frac ? '.' + frac : ''}` : date;
  };
}

/** Column values from field byte ranges; used by the delimited-text and CSV framers. */
export class RowSink {
  readonly builders: VarBuilder[];
  /** Highest field index any column asks for (-1 when all are constants). */
  readonly maxIndex: number;
  /** Per field (up to maxIndex): the buffer holding it and its [start, end). */
  readonly fieldBuf: Buffer[];
  readonly fs: Int32Array;
  readonly fe: Int32Array;
  rows = 0;
  /** The line (1-based in the split) of the row being emitted; set by the framer. */
  line = 0;
  readonly lines = new RowLines();
  private readonly nullFormat: Buffer | undefined;
  private readonly constants: (Buffer | undefined)[];
  private readonly dates: (((text: string) => string | undefined) | undefined)[];
  private readonly converted: (Buffer | undefined)[];

  constructor(
    private readonly columns: Column[],
    cfg: Pick<ReaderConfig, 'nullFormat'>,
    private readonly dirty: DirtyFn,
  ) {
    this.builders = columns.map(() => new VarBuilder(new Utf8()));
    this.maxIndex = Math.max(-1, ...columns.map((c) => (c.kind === 'index' ? c.index : -1)));
    const n = this.maxIndex + 1;
    this.fieldBuf = new Array<Buffer>(n);
    this.fs = new Int32Array(n);
    this.fe = new Int32Array(n);
    this.nullFormat = cfg.nullFormat === undefined ? undefined : Buffer.from(cfg.nullFormat, 'utf8');
    this.constants = columns.map((c) => (c.kind === 'constant' ? Buffer.from(c.value, 'utf8') : undefined));
    this.dates = columns.map((c) => (c.kind === 'index' && c.format ? compileDateFormat(c.format) : undefined));
    this.converted = columns.map(() => undefined);
  }

  private isNull(buf: Buffer, s: number, e: number): boolean {
    const nf = this.nullFormat;
    return nf !== undefined && e - s === nf.length && buf.compare(nf, 0, nf.length, s, e) === 0;
  }

  /**
   * Emits a row from the first `nFields` fields in fieldBuf/fs/fe; `raw` gives
   * the row's text, asked for only when the row is dirty.
   */
  emit(nFields: number, raw: () => string): void {
    const cols = this.columns;
    if (nFields <= this.maxIndex) {
      this.dirty(raw(), `expected at least ${this.maxIndex + 1} fields, found ${nFields}`, this.line);
      return;
    }
    // Date layouts are checked before anything is appended, so a bad row adds nothing.
    for (let c = 0; c < cols.length; c++) {
      const parse = this.dates[c];
      if (!parse) continue;
      const col = cols[c] as Extract<Column, { kind: 'index' }>;
      const buf = this.fieldBuf[col.index]!;
      const s = this.fs[col.index]!,
        e = this.fe[col.index]!;
      if (e === s || this.isNull(buf, s, e)) {
        this.converted[c] = undefined;
        continue;
      }
      const text = buf.toString('utf8', s, e);
      const iso = parse(text);
      if (iso === undefined) {
        this.dirty(raw(), `column ${col.name}: ${JSON.stringify(text)} is not a date in layout ${col.format}`, this.line);
        return;
      }
      this.converted[c] = Buffer.from(iso, 'latin1');
    }
    for (let c = 0; c < cols.length; c++) {
      const b = this.builders[c]!;
      const k = this.constants[c];
      if (k) {
        b.appendBytes(k, 0, k.length);
        continue;
      }
      const idx = (cols[c] as Extract<Column, { kind: 'index' }>).index;
      const buf = this.fieldBuf[idx]!;
      const s = this.fs[idx]!,
        e = this.fe[idx]!;
      if (this.isNull(buf, s, e)) b.appendNull();
      else if (this.dates[c] && this.converted[c]) b.appendBytes(this.converted[c]!, 0, this.converted[c]!.length);
      else b.appendBytes(buf, s, e);
    }
    this.lines.push(this.line);
    this.rows++;
  }

  byteLength(): number {
    let n = 0;
    for (const b of this.builders) n += b.byteLength();
    return n;
  }

  finish(): Data[] {
    this.rows = 0;
    return this.builders.map((b) => b.finish());
  }
}
