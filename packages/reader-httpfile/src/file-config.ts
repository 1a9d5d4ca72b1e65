/**
 * The `file` reader's config: local paths (plain, `file://` URLs or glob
 * patterns, one or several) and the same framing keys as `httpfile`
 * (format, delimiter, columns, encoding, compress, skipHeader, nullFormat).
 */
import { t, type Infer } from '@ferry/core';
import { normalizeInSchema } from './config-issue.js';
import { normalizeConfig, rawConfigSchema, type ReaderConfig } from './config.js';

const s = rawConfigSchema.shape;

/** The keys of a `reader` block with `plugin: "file"`, as written. */
export const rawFileConfigSchema = t.object({
  path: t
    .union<string | string[]>([t.string({ minLength: 1 }), t.array(t.string({ minLength: 1 }), { minItems: 1 })], 'a path or a list of paths')
    .describe('local file(s): paths, file:// URLs or patterns (*, ?, [abc], **), relative to the job file; each pattern must match a file'),
  format: s.format,
  fieldDelimiter: s.fieldDelimiter,
  columns: s.columns,
  encoding: s.encoding,
  invalidChars: s.invalidChars,
  compress: s.compress,
  skipHeader: s.skipHeader,
  nullFormat: s.nullFormat,
  maxLineBytes: s.maxLineBytes,
  splitSize: s.splitSize,
  batchBytes: s.batchBytes,
});

export type FileConfig = Infer<typeof rawFileConfigSchema>;

/** The file reader's config as its hooks get it. */
export type NormalizedFileConfig = ReaderConfig & { paths: string[] };

/** The framing settings, normalized by the httpfile code (same checks, same messages); `paths` stay as written. */
export function normalizeFileConfig(raw: FileConfig): NormalizedFileConfig {
  const { path, ...framing } = raw;
  // normalizeConfig checks URLs too; a placeholder satisfies it, the paths are resolved at split time.
  const cfg = normalizeConfig({ ...framing, url: 'http://local.file/', connectTimeout: 1, readTimeout: 1, retries: 0, retryBackoff: 0 } as Parameters<typeof normalizeConfig>[0]);
  return { ...cfg, urls: [], paths: Array.isArray(path) ? path : [path] };
}

/** The schema of a `reader` block with `plugin: "file"`: checked and normalized once, when the job is validated. */
export const fileConfigSchema = rawFileConfigSchema.transform(normalizeInSchema(normalizeFileConfig));
