/**
 * The httpfile reader's config: where the files are (one URL, a list, or a
 * base URL plus paths), how lines and fields are framed, and how hard to try
 * when the network misbehaves. Validated with core's `t.*` so every error
 * names its path (`reader.columns[0].index: expected a non-negative integer`).
 */
import { type FerryError, redactUrl, t, type Infer } from '@ferry/core';
import { ConfigKeyError, type ConfigKey, normalizeInSchema } from './config-issue.js';

/** Column types a source column may declare (the engine casts from text). */
export const COLUMN_TYPES = ['string', 'long', 'bigint', 'int', 'double', 'float', 'boolean', 'date', 'datetime', 'timestamp'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

const indexColumn = t.object({
  index: t.integer({ min: 0 }).describe('0-based field number in the line'),
  type: t.enum(COLUMN_TYPES).default('string').describe('declared type; the engine casts the text to the destination type'),
  format: t.string({ minLength: 1 }).optional().describe('date layout such as yyyyMMdd, dd/MM/yyyy or yyyy-MM-dd HH:mm:ss (date, datetime and timestamp columns)'),
  name: t.string({ minLength: 1 }).optional().describe('source column name (default col<i>)'),
});

const constantColumn = t.object({
  value: t.string().describe('the same text on every row'),
  type: t.enum(COLUMN_TYPES).default('string').describe('declared type'),
  name: t.string({ minLength: 1 }).optional().describe('source column name (default col<i>)'),
});

const column = t.union<Infer<typeof indexColumn> | Infer<typeof constantColumn>>([indexColumn, constantColumn], 'an object with index (and type) or value (and type)');

/** The keys of a `reader` block with `plugin: "httpfile"`, as written. */
export const rawConfigSchema = t.object({
  url: t
    .union<string | string[]>([t.string({ minLength: 1 }), t.array(t.string({ minLength: 1 }), { minItems: 1 })], 'a URL or a list of URLs')
    .describe('file URL(s); with `path`, the base URL the paths are joined to'),
  path: t
    .union<string | string[]>([t.string({ minLength: 1 }), t.array(t.string({ minLength: 1 }), { minItems: 1 })], 'a path or a list of paths')
    .optional()
    .describe('file path(s) under the base `url` (DataWorks HttpFile style)'),
  format: t
    .enum(['text', 'csv'] as const)
    .default('text')
    .describe('text: lines split on fieldDelimiter; csv: RFC 4180 quoting'),
  fieldDelimiter: t.string({ minLength: 1 }).optional().describe('field separator, one or more characters (default ",")'),
  columns: t.array(column, { minItems: 1 }).optional().describe('columns by field index or constant; omitted: one STRING column holding each whole line'),
  encoding: t.string({ minLength: 1 }).default('utf-8').describe('text encoding (utf-8, gbk, ... any ASCII-compatible one TextDecoder knows)'),
  invalidChars: t
    .enum(['replace', 'dirty'] as const)
    .default('replace')
    .describe('bytes invalid for the encoding: replace with U+FFFD (counted) or make the line a dirty record'),
  compress: t
    .enum(['none', 'gzip', 'deflate'] as const)
    .default('none')
    .describe('compression of the file'),
  skipHeader: t.boolean().default(false).describe('skip the first line (CSV: record) of each file'),
  nullFormat: t.string().optional().describe('field text that means NULL (e.g. \\N); none by default'),
  maxLineBytes: t
    .integer({ min: 1 })
    .default(16 * 1024 * 1024)
    .describe('longer lines become dirty records'),
  connectTimeout: t.integer({ min: 1 }).default(10_000).describe('ms to establish a connection'),
  readTimeout: t.integer({ min: 1 }).default(60_000).describe('ms without data (headers or body) before giving up'),
  retries: t.integer({ min: 0, max: 100 }).default(3).describe('reconnects in a row (each resumed from the last complete line) before failing; 16 MiB read after one starts the count over'),
  retryBackoff: t.integer({ min: 0 }).default(500).describe('ms before the first retry; doubles each time, up to retryBackoffMax'),
  retryBackoffMax: t.integer({ min: 0 }).default(30_000).describe('ms: the longest wait between two retries'),
  lowSpeedLimit: t.integer({ min: 0 }).default(1024).describe('bytes/s: a body slower than this for lowSpeedTime is dropped and retried (as curl -Y); 0 turns it off'),
  lowSpeedTime: t.integer({ min: 1 }).default(60_000).describe('ms over which lowSpeedLimit is measured (as curl -y)'),
  splitSize: t
    .integer({ min: 1 })
    .default(8 * 1024 * 1024)
    .describe('advanced: smallest byte range a file is split into'),
  batchBytes: t
    .integer({ min: 1024 })
    .default(1024 * 1024)
    .describe('advanced: target bytes per RecordBatch'),
  headers: t.record(t.string()).optional().describe('extra request headers (e.g. Authorization)'),
  incremental: t
    .boolean()
    .default(false)
    .describe(
      'growing log files: each run reads only the complete lines appended since the last successful run (the byte offset, ETag and Last-Modified of each file are saved with the commit); a replaced file fails the run',
    ),
});

export type RawConfig = Infer<typeof rawConfigSchema>;

/** A column after normalization. */
export type Column = { kind: 'index'; name: string; index: number; type: ColumnType; format?: string } | { kind: 'constant'; name: string; value: string; type: ColumnType };

/** The config the reader works with: URLs resolved, defaults applied. */
export interface ReaderConfig {
  urls: string[];
  format: 'text' | 'csv';
  delimiter: string;
  /** True when `columns` was omitted: each whole line is one STRING value. */
  wholeLine: boolean;
  columns: Column[];
  encoding: string;
  invalidChars: 'replace' | 'dirty';
  compress: 'none' | 'gzip' | 'deflate';
  skipHeader: boolean;
  nullFormat?: string;
  maxLineBytes: number;
  connectTimeout: number;
  readTimeout: number;
  retries: number;
  retryBackoff: number;
  retryBackoffMax: number;
  lowSpeedLimit: number;
  lowSpeedTime: number;
  splitSize: number;
  batchBytes: number;
  headers: Record<string, string>;
  /** Read only the lines appended since the last run (see incremental.ts). */
  incremental: boolean;
}

/** Joins a base URL and a path the way DataWorks does: plain concatenation with one slash. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

function configError(key: ConfigKey, message: string): FerryError {
  return new ConfigKeyError(key, message);
}

/** Checks what the schema cannot express and resolves URLs and columns. */
export function normalizeConfig(raw: RawConfig): ReaderConfig {
  const bases = Array.isArray(raw.url) ? raw.url : [raw.url];
  let urls = bases;
  if (raw.path !== undefined) {
    if (bases.length !== 1) throw configError(['url'], 'with `path`, expected one base URL');
    const paths = Array.isArray(raw.path) ? raw.path : [raw.path];
    urls = paths.map((p) => joinUrl(bases[0]!, p));
  }
  urls.forEach((u, i) => {
    let ok = false;
    try {
      const parsed = new URL(u);
      ok = parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) throw configError(raw.path !== undefined ? ['path'] : Array.isArray(raw.url) ? ['url', i] : ['url'], `expected an http(s) URL, got ${JSON.stringify(redactUrl(u))}`);
  });
  const delimiter = raw.fieldDelimiter ?? ',';
  if (/[\r\n]/.test(delimiter)) throw configError(['fieldDelimiter'], 'must not contain a line break');
  if (raw.format === 'csv' && delimiter.length !== 1) throw configError(['fieldDelimiter'], 'CSV needs a one-character delimiter');
  if (raw.format === 'csv' && delimiter === '"') throw configError(['fieldDelimiter'], 'CSV delimiter cannot be the quote character');
  let decoderOk = true;
  let label = raw.encoding;
  try {
    label = new TextDecoder(raw.encoding).encoding;
  } catch {
    decoderOk = false;
  }
  if (!decoderOk) throw configError(['encoding'], `unknown encoding ${JSON.stringify(raw.encoding)}`);
  // Lines are framed on 0x0A bytes before decoding: only ASCII-compatible encodings frame that way.
  if (label.startsWith('utf-16')) throw configError(['encoding'], `${label} is not supported (lines are framed on newline bytes; use an ASCII-compatible encoding)`);
  if (raw.incremental && raw.compress !== 'none') throw configError(['incremental'], `a ${raw.compress} file cannot be read from the middle; incremental reads need an uncompressed file`);
  const wholeLine = raw.columns === undefined;
  const columns: Column[] = wholeLine
    ? [{ kind: 'index', name: 'col', index: 0, type: 'string' }]
    : raw.columns!.map((c, i): Column => {
        const name = c.name ?? `col${i}`;
        if ('index' in c) {
          if (c.format !== undefined && c.type !== 'date' && c.type !== 'datetime' && c.type !== 'timestamp')
            throw configError(['columns', i, 'format'], 'only date, datetime and timestamp columns take a format');
          if (c.format !== undefined && !/yyyy/.test(c.format)) throw configError(['columns', i, 'format'], `expected a date layout with yyyy, MM and dd, got ${JSON.stringify(c.format)}`);
          return { kind: 'index', name, index: c.index, type: c.type, ...(c.format ? { format: c.format } : {}) };
        }
        return { kind: 'constant', name, value: c.value, type: c.type };
      });
  const names = new Set<string>();
  columns.forEach((c, i) => {
    if (names.has(c.name)) throw configError(['columns', i, 'name'], `duplicate column name ${JSON.stringify(c.name)}`);
    names.add(c.name);
  });
  return {
    urls,
    format: raw.format,
    delimiter,
    wholeLine,
    columns,
    encoding: label,
    invalidChars: raw.invalidChars,
    compress: raw.compress,
    skipHeader: raw.skipHeader,
    ...(raw.nullFormat !== undefined ? { nullFormat: raw.nullFormat } : {}),
    maxLineBytes: raw.maxLineBytes,
    connectTimeout: raw.connectTimeout,
    readTimeout: raw.readTimeout,
    retries: raw.retries,
    retryBackoff: raw.retryBackoff,
    retryBackoffMax: raw.retryBackoffMax ?? 30_000,
    lowSpeedLimit: raw.lowSpeedLimit ?? 1024,
    lowSpeedTime: raw.lowSpeedTime ?? 60_000,
    splitSize: raw.splitSize,
    batchBytes: raw.batchBytes,
    headers: raw.headers ?? {},
    incremental: raw.incremental ?? false,
  };
}

/** The schema of a `reader` block with `plugin: "httpfile"`: checked and normalized once, when the job is validated. */
export const configSchema = rawConfigSchema.transform(normalizeInSchema(normalizeConfig));
