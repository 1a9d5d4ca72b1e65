/**
 * DataX text-reader columns (`{index, type, format}`, `{value, type}`, or
 * `["*"]`) -> the file/httpfile reader's `columns`. `["*"]` is resolved by
 * sampling the first line of the first file: ferry declares columns up front.
 */
import { createReadStream } from 'node:fs';
import { createGunzip, createInflate } from 'node:zlib';
import { expandPattern, toLocalPath } from '@ferry/reader-httpfile';
import { asObject, type ImportReport } from './params.js';

/** DataX column type -> the text readers' declared type. */
const TYPES: Record<string, string> = {
  long: 'long',
  int: 'long',
  bigint: 'long',
  double: 'double',
  float: 'double',
  string: 'string',
  boolean: 'boolean',
  bool: 'boolean',
  date: 'date',
};

/** True when a Java date layout holds a time of day (HH, mm, ss). */
export function hasTimeOfDay(format: string): boolean {
  return /[Hhms]/.test(format.replace(/'[^']*'/g, ''));
}

export interface ColumnOptions {
  at: string;
  report: ImportReport;
  delimiter: string;
  encoding: string;
  compress: string;
  /** Paths (or patterns) whose first file is sampled for `["*"]`; none for HTTP. */
  sample: string[];
  baseDir: string;
}

/** The ferry columns, or undefined for "each whole line is one column". */
export async function fileColumns(raw: unknown, o: ColumnOptions): Promise<Record<string, unknown>[] | undefined> {
  const list = Array.isArray(raw) ? raw : raw === undefined ? ['*'] : [raw];
  if (list.length === 1 && list[0] === '*') return star(o);
  return list.map((c, i) => {
    const col = asObject(c);
    if (!col) {
      o.report.dropped.push({ key: `${o.at}[${i}]`, why: `expected {index, type} or {value, type}, got ${JSON.stringify(c)}; read as a string field ${i}` });
      return { index: i, type: 'string' };
    }
    const rawType = String(col.type ?? 'string').toLowerCase();
    let type = TYPES[rawType];
    if (!type) {
      o.report.dropped.push({ key: `${o.at}[${i}].type`, why: `type ${rawType} is not supported; read as string` });
      type = 'string';
    }
    const format = typeof col.format === 'string' && col.format !== '' ? col.format : undefined;
    // DataX's `date` is an instant: a layout with a time of day makes it a datetime in ferry.
    if (type === 'date' && format && hasTimeOfDay(format)) type = 'datetime';
    const out: Record<string, unknown> = {};
    if (col.index !== undefined) out.index = Number(col.index);
    else if (col.value !== undefined) out.value = String(col.value);
    else {
      o.report.dropped.push({ key: `${o.at}[${i}]`, why: 'has neither index nor value' });
      out.index = i;
    }
    out.type = type;
    if (format && 'index' in out) out.format = format;
    else if (format) o.report.dropped.push({ key: `${o.at}[${i}].format`, why: 'a constant column takes no format' });
    for (const k of Object.keys(col)) {
      if (!['index', 'value', 'type', 'format'].includes(k)) o.report.dropped.push({ key: `${o.at}[${i}].${k}`, why: 'not a column key ferry knows' });
    }
    return out;
  });
}

async function star(o: ColumnOptions): Promise<Record<string, unknown>[] | undefined> {
  let first: string | undefined;
  for (const spec of o.sample) {
    first = (await expandPattern(toLocalPath(spec, o.baseDir)))[0];
    if (first) break;
  }
  if (!first) {
    o.report.dropped.push({ key: o.at, why: '["*"]: no file to sample the field count from; ferry reads each whole line as one string column (give columns by index)' });
    return undefined;
  }
  try {
    const line = await firstLine(first, o.compress);
    const n = line.split(o.delimiter).length;
    o.report.notes.push(`reader.columns: ["*"] resolved to ${n} string column(s) from the first line of ${first}`);
    return Array.from({ length: n }, (_, index) => ({ index, type: 'string' }));
  } catch (err) {
    o.report.dropped.push({ key: o.at, why: `["*"]: cannot sample ${first} (${(err as Error).message}); give columns by index` });
    return undefined;
  }
}

/** The first line of a (possibly compressed) file, read no further than needed. */
async function firstLine(path: string, compress: string): Promise<string> {
  const file = createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream = compress === 'gzip' ? file.pipe(createGunzip()) : compress === 'deflate' ? file.pipe(createInflate()) : file;
  const parts: Buffer[] = [];
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const nl = chunk.indexOf(10);
      if (nl >= 0) {
        parts.push(chunk.subarray(0, nl));
        break;
      }
      parts.push(chunk);
    }
  } finally {
    file.destroy();
    if (stream !== file) stream.destroy();
  }
  return Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
}
