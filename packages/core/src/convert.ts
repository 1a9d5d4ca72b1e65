/**
 * The convert step: maps reader column i to writer column i and casts each
 * value to the destination type. Values that do not fit ('abc' into BIGINT,
 * 2024-02-30 into DATE, 300 into TINYINT, text longer than VARCHAR(n)) make
 * their row a dirty record; the rest of the batch goes on.
 */
import { type Data, type Field, type RecordBatch, type Schema, util } from 'apache-arrow';
import { type ColumnBuilder, createBuilder, makeBatch } from './columns.js';
import { type Category, categoryOf, formatValue, jsonValue, makeGetter } from './convert-values.js';
import { ErrorCodes, FerryError } from './errors.js';
import { describeFieldType, type FerryType, fieldType } from './types.js';
import { parseDate, parseDateTime, parseDecimal } from './values.js';

/** How one destination column is made. */
export type ColumnOp = 'pass' | 'cast';

export interface ConvertPlan {
  ops: ColumnOp[];
}

const ALLOWED: Record<string, Category[]> = {
  string: ['int', 'float', 'decimal', 'string', 'binary', 'bool', 'date', 'timestamp', 'time'],
  int: ['int', 'float', 'decimal', 'string', 'bool'],
  float: ['int', 'float', 'decimal', 'string', 'bool'],
  decimal: ['int', 'float', 'decimal', 'string'],
  boolean: ['bool', 'int', 'string'],
  date: ['date', 'timestamp', 'string'],
  timestamp: ['date', 'timestamp', 'string'],
  binary: ['binary', 'string'],
};

function destGroup(t: FerryType): string {
  switch (t.name) {
    case 'string':
    case 'varchar':
    case 'char':
      return 'string';
    case 'bigint':
    case 'int':
    case 'smallint':
    case 'tinyint':
      return 'int';
    case 'double':
    case 'float':
      return 'float';
    case 'datetime':
    case 'timestamp':
      return 'timestamp';
    default:
      return t.name;
  }
}

/**
 * True when values of `a` can be handed to a column of `b` untouched: same
 * Arrow type down to every parameter. Arrow's compareTypes is not enough
 * (it calls any two Decimals equal), so the parameters that change what a
 * value means or whether it fits are compared here, one by one.
 */
function sameArrowType(a: Field, b: Field): boolean {
  const x = a.type as unknown as Record<string, unknown>,
    y = b.type as unknown as Record<string, unknown>;
  if (a.type.typeId !== b.type.typeId || !util.compareTypes(a.type, b.type)) return false;
  for (const k of ['precision', 'scale', 'bitWidth', 'isSigned', 'unit', 'timezone', 'byteWidth']) {
    if (x[k] !== y[k]) return false;
  }
  return true;
}

/**
 * Checks the column mapping before any data moves: equal column counts and
 * a known cast for each pair. `dest` null means the writer takes the source
 * schema as it is.
 */
export function planConvert(source: Schema, dest: Schema | null): ConvertPlan {
  if (!dest) return { ops: source.fields.map(() => 'pass') };
  const names = (s: Schema) => s.fields.map((f) => f.name).join(', ');
  if (source.fields.length !== dest.fields.length) {
    throw new FerryError(
      ErrorCodes.CONFIG,
      `column count mismatch: the reader gives ${source.fields.length} column(s) (${names(source)}) but the writer expects ${dest.fields.length} (${names(dest)}); columns map by position`,
    );
  }
  const problems: string[] = [];
  const ops = dest.fields.map((dst, i): ColumnOp => {
    const src = source.fields[i]!;
    const dt = fieldType(dst);
    const bounded = dt && (dt.name === 'varchar' || dt.name === 'char');
    if (sameArrowType(src, dst) && !bounded) return 'pass';
    const cat = categoryOf(src);
    const allowed = dt ? ALLOWED[destGroup(dt)] : undefined;
    if (!cat || !allowed || !allowed.includes(cat)) {
      problems.push(`column ${i + 1} (${src.name} ${describeFieldType(src)} -> ${dst.name} ${describeFieldType(dst)}): no conversion`);
      return 'cast';
    }
    return 'cast';
  });
  if (problems.length) throw new FerryError(ErrorCodes.CONFIG, `cannot map reader columns to writer columns: ${problems.join('; ')}`);
  return { ops };
}

/** One dirty row: where, which column, why, and the source row. */
export interface DirtyRow {
  row: number;
  column: string;
  reason: string;
  record: Record<string, unknown>;
}

const FAIL = Symbol('fail');
let failReason = '';
const fail = (reason: string): typeof FAIL => {
  failReason = reason;
  return FAIL;
};

const INT_RANGE: Record<string, [bigint, bigint]> = {
  tinyint: [-128n, 127n],
  smallint: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};
const INT_TEXT = /^\s*[+-]?\d+\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const TRUE_TEXT = new Set(['true', '1', 'yes', 'y', 't']);
const FALSE_TEXT = new Set(['false', '0', 'no', 'n', 'f']);
const pow10 = (n: number) => 10n ** BigInt(n);

function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v) : String(v);
  return s;
}

type Cast = (v: unknown) => unknown;

/** The cast of one source category into one destination type. */
function makeCast(cat: Category, src: Field, dt: FerryType): Cast {
  const srcScale = (src.type as { scale?: number }).scale ?? 0;
  const group = destGroup(dt);
  switch (group) {
    case 'string': {
      const max = 'length' in dt ? dt.length : undefined;
      return (v) => {
        const s = formatValue(v, cat, src);
        if (max !== undefined && s.length > max && [...s].length > max) return fail(`text of ${[...s].length} characters does not fit ${dt.name.toUpperCase()}(${max})`);
        return s;
      };
    }
    case 'int': {
      const [lo, hi] = INT_RANGE[dt.name]!;
      const loN = Number(lo),
        hiN = Number(hi);
      const big = dt.name === 'bigint';
      const inRange = (b: bigint) => (b < lo || b > hi ? fail(`${b} is out of range for ${dt.name.toUpperCase()}`) : big ? b : Number(b));
      switch (cat) {
        case 'int':
          return (v) => (typeof v === 'number' ? (v < loN || v > hiN ? fail(`${v} is out of range for ${dt.name.toUpperCase()}`) : v) : inRange(v as bigint));
        case 'bool':
          return (v) => (v ? 1 : 0);
        case 'float':
          return (v) => (Number.isInteger(v) ? inRange(BigInt(v as number)) : fail(`${v} is not an integer`));
        case 'decimal':
          return (v) => ((v as bigint) % pow10(srcScale) === 0n ? inRange((v as bigint) / pow10(srcScale)) : fail(`${formatValue(v, cat, src)} is not an integer`));
        default:
          return (v) => {
            if (typeof v !== 'string' || !INT_TEXT.test(v)) return fail(`${show(v)} is not an integer`);
            // Up to 15 digits is exact as a double: no BigInt needed.
            if (v.length <= 15) {
              const n = Number(v);
              return n < loN || n > hiN ? fail(`${n} is out of range for ${dt.name.toUpperCase()}`) : n;
            }
            return inRange(BigInt(v.trim()));
          };
      }
    }
    case 'float': {
      const f32 = dt.name === 'float';
      const fit = (n: number) => (f32 && Number.isFinite(n) && !Number.isFinite(Math.fround(n)) ? fail(`${n} is out of range for FLOAT`) : n);
      switch (cat) {
        case 'int':
        case 'float':
          return (v) => fit(Number(v));
        case 'bool':
          return (v) => (v ? 1 : 0);
        case 'decimal':
          return (v) => fit(Number(formatValue(v, cat, src)));
        default:
          return (v) => (typeof v === 'string' && FLOAT_TEXT.test(v) ? fit(Number(v)) : fail(`${show(v)} is not a number`));
      }
    }
    case 'decimal': {
      const { precision, scale } = dt as { precision: number; scale: number };
      const check = (u: bigint | undefined, v: unknown) => (u === undefined || (u < 0n ? -u : u).toString().length > precision ? fail(`${show(v)} does not fit DECIMAL(${precision},${scale})`) : u);
      switch (cat) {
        case 'decimal':
          return (v) => {
            const u = v as bigint;
            if (scale >= srcScale) return check(u * pow10(scale - srcScale), formatValue(v, cat, src));
            const d = pow10(srcScale - scale);
            const q = u / d,
              r = u % d;
            const rounded = (r < 0n ? -r : r) * 2n >= d ? q + (u < 0n ? -1n : 1n) : q;
            return check(rounded, formatValue(v, cat, src));
          };
        case 'int':
          return (v) => check(BigInt(v as number) * pow10(scale), v);
        case 'float':
          return (v) => (Number.isFinite(v) ? check(parseDecimal(String(v), precision, scale), v) : fail(`${v} is not a decimal`));
        default:
          return (v) => check(parseDecimal(v as string, precision, scale), v);
      }
    }
    case 'boolean':
      switch (cat) {
        case 'bool':
          return (v) => v;
        case 'int':
          return (v) => v !== 0 && v !== 0n;
        default:
          return (v) => {
            const s = (v as string).trim().toLowerCase();
            return TRUE_TEXT.has(s) ? true : FALSE_TEXT.has(s) ? false : fail(`${show(v)} is not a boolean`);
          };
      }
    case 'date':
      switch (cat) {
        case 'date':
          return (v) => v;
        case 'timestamp':
          return (v) => Number(floorDiv(v as bigint, 86_400_000_000n));
        default:
          return (v) => {
            const d = parseDate((v as string).trim());
            if (d !== undefined) return d;
            const ts = parseDateTime((v as string).trim());
            return ts !== undefined ? Number(floorDiv(ts, 86_400_000_000n)) : fail(`${show(v)} is not a valid date`);
          };
      }
    case 'timestamp':
      switch (cat) {
        case 'timestamp':
          return (v) => v;
        case 'date':
          return (v) => BigInt(v as number) * 86_400_000_000n;
        default:
          return (v) => {
            const ts = parseDateTime((v as string).trim());
            return ts !== undefined ? ts : fail(`${show(v)} is not a valid ${dt.name}`);
          };
      }
    case 'binary':
      return cat === 'binary' ? (v) => v : (v) => Buffer.from(v as string, 'utf8');
    default:
      return () => fail(`no conversion to ${dt.name}`);
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Turns source batches into destination batches plus dirty rows (runs in the worker). */
export type Converter = (batch: RecordBatch) => { batch: RecordBatch; dirty: DirtyRow[] };

export function createConverter(plan: ConvertPlan, source: Schema, dest: Schema | null): Converter {
  const out = dest ?? source;
  if (plan.ops.every((op) => op === 'pass')) {
    // Same types: hand the data through, relabelled with the writer's field names.
    return (batch) => ({ batch: dest ? makeBatch(dest, batch.data.children) : batch, dirty: [] });
  }
  const cats = source.fields.map((f) => categoryOf(f));
  const casts = out.fields.map((dst, i) => (plan.ops[i] === 'cast' ? makeCast(cats[i]!, source.fields[i]!, fieldType(dst)!) : undefined));
  const builders = out.fields.map((f, i) => (plan.ops[i] === 'cast' ? createBuilder(f.type) : undefined));

  return (batch) => {
    const n = batch.numRows;
    const cols = batch.data.children;
    let bad: Uint8Array | undefined;
    const dirty: DirtyRow[] = [];
    const result: Data[] = out.fields.map((_, c) => {
      const cast = casts[c];
      if (!cast) return cols[c]!;
      const get = makeGetter(cols[c]!, source.fields[c]!);
      const b = builders[c]! as ColumnBuilder;
      for (let i = 0; i < n; i++) {
        const v = get(i);
        if (v === null || v === undefined) {
          b.appendNull();
          continue;
        }
        const r = cast(v);
        if (r === FAIL) {
          b.appendNull();
          bad ??= new Uint8Array(n);
          if (!bad[i]) {
            bad[i] = 1;
            dirty.push({ row: i, column: out.fields[c]!.name, reason: `${out.fields[c]!.name}: ${failReason}`, record: {} });
          }
        } else b.append(r);
      }
      return b.finish();
    });
    if (!bad) return { batch: makeBatch(out, result), dirty };
    for (const d of dirty) d.record = sourceRecord(batch, source, cats, d.row);
    const keep: number[] = [];
    for (let i = 0; i < n; i++) if (!bad[i]) keep.push(i);
    return {
      batch: makeBatch(
        out,
        result.map((data, c) => takeRows(data, out.fields[c]!, keep)),
      ),
      dirty,
    };
  };
}

/** The source row as a JSON-friendly object (for dirty-record files). */
export function sourceRecord(batch: RecordBatch, schema: Schema, cats: (Category | undefined)[], row: number): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  schema.fields.forEach((f, c) => {
    rec[f.name] = jsonValue(makeGetter(batch.data.children[c]!, f)(row), cats[c], f);
  });
  return rec;
}

/** A copy of `data` with only the given rows. */
export function takeRows(data: Data, field: Field, rows: number[]): Data {
  const b = createBuilder(field.type);
  const cat = categoryOf(field);
  // Getters return the raw value each builder appends (days, micros, unscaled ...), except time/utf8 text, which builders also accept.
  const get = cat === 'time' ? rawGetter(data) : makeGetter(data, field);
  for (const i of rows) b.append(get(i));
  return b.finish();
}

function rawGetter(data: Data) {
  const values = data.values as ArrayLike<number | bigint>;
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  return (i: number) => (bitmap && (bitmap[(i + data.offset) >> 3]! & (1 << ((i + data.offset) & 7))) === 0 ? null : values[i + data.offset]);
}
