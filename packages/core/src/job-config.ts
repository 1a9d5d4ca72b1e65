/**
 * Job files: `${name}` placeholder substitution and
 * validation of the `setting` block. Plugin configs are validated by their
 * own schemas once the plugins are loaded.
 */
import { t, validate, type Infer } from './config-schema.js';
import { ErrorCodes, FerryError } from './errors.js';

const pluginBlock = t.object({ plugin: t.string({ minLength: 1 }).describe('plugin short name, package name or module path') }, { passthrough: true });

const settingSchema = t.object({
  channel: t.integer({ min: 1, max: 256 }).default(1).describe('channels (splits read and written at once, each in a worker thread)'),
  speed: t
    .object({
      bytes: t.number({ min: 0 }).default(0).describe('job-wide limit in bytes/s; 0 = none'),
      records: t.number({ min: 0 }).default(0).describe('job-wide limit in records/s; 0 = none'),
    })
    .default({ bytes: 0, records: 0 }),
  errorLimit: t
    .object({
      records: t.integer({ min: 0 }).optional().describe('fail when more dirty records than this (0 = none allowed)'),
      percentage: t.number({ min: 0, max: 1 }).optional().describe('fail when dirty records / records read is above this fraction'),
    })
    .default({ records: 0 }),
  batchRows: t.integer({ min: 1, max: 1_000_000 }).optional().describe('rows per batch, for readers that take the hint'),
  workers: t.string({ minLength: 1 }).optional().describe('Redis URL of the ferry worker queue (redis://host:6379, or ${env:NAME}): the splits run on `ferry worker` processes, the commit here'),
});

const jobSchema = t.object({
  reader: pluginBlock,
  writer: pluginBlock,
  setting: settingSchema.default({ channel: 1, speed: { bytes: 0, records: 0 }, errorLimit: { records: 0 } }),
});

export type JobSetting = Infer<typeof settingSchema>;
export interface PluginBlock {
  plugin: string;
  [key: string]: unknown;
}
export interface JobConfig {
  reader: PluginBlock;
  writer: PluginBlock;
  setting: JobSetting;
}

/**
 * Resolves `${...}` and `$[...]` expressions that are not plain params
 * (scheduling expressions such as `${yyyymmdd-1}`); returns undefined for
 * bodies it does not know.
 */
export type ExpressionResolver = (body: string, bracket: '{' | '[') => string | undefined;

const PLACEHOLDER = /\$\{([^}]*)\}|\$\[([^\]]*)\]/g;

/**
 * Fills `${name}` placeholders in every string of `value` from `params`.
 * `${env:NAME}` is left for plugins (they read secrets themselves). Other
 * bodies go to `resolve` (scheduling expressions); anything left unfilled is
 * an error naming each placeholder and where it is.
 */
export function substitute<T>(value: T, params: Record<string, string>, resolve?: ExpressionResolver, path = ''): T {
  const missing: string[] = [];
  const out = walk(value, path);
  if (missing.length > 0) {
    const uniq = [...new Set(missing)];
    throw new FerryError(
      ErrorCodes.PARAM,
      `unfilled placeholder${uniq.length > 1 ? 's' : ''} ${uniq.join(', ')} (give a value with -p name=value${uniq.some((m) => m.includes('bizdate')) ? ' or --bizdate yyyymmdd' : ''})`,
    );
  }
  return out as T;

  function walk(v: unknown, at: string): unknown {
    if (typeof v === 'string') return fill(v, at);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${at}[${i}]`));
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) o[k] = walk(item, at ? `${at}.${k}` : k);
      return o;
    }
    return v;
  }
  function fill(s: string, at: string): string {
    if (!s.includes('$')) return s;
    return s.replace(PLACEHOLDER, (whole, curly: string | undefined, square: string | undefined) => {
      if (curly !== undefined) {
        const name = curly.trim();
        if (name.startsWith('env:')) return whole;
        if (Object.hasOwn(params, name)) return params[name]!;
        const v = resolve?.(name, '{');
        if (v !== undefined) return v;
      } else if (square !== undefined) {
        const v = resolve?.(square.trim(), '[');
        if (v !== undefined) return v;
      }
      missing.push(at ? `${whole} (in ${at})` : whole);
      return whole;
    });
  }
}

/** Validates a job object's shape and settings; plugin keys are checked later by each plugin. */
export function validateJob(job: unknown, source?: string): JobConfig {
  // YAML reads `plugin: null` (the null writer) as a null, not as the name: say so instead of "got null".
  for (const side of ['reader', 'writer'] as const) {
    const block = (job as Record<string, unknown> | null)?.[side];
    if (block && typeof block === 'object' && 'plugin' in block && (block as { plugin: unknown }).plugin === null) {
      throw new FerryError(ErrorCodes.CONFIG, `${source ? `${source}: ` : ''}${side}.plugin: got null; in YAML a bare null is no value: quote it (plugin: "null") to name the null plugin`);
    }
  }
  return validate(jobSchema, job, '', source) as JobConfig;
}

/** Parses `-p name=value` options into a params object; `=` may appear in the value. */
export function parseParamArgs(items: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new FerryError(ErrorCodes.USAGE, `-p ${item}: expected name=value`);
    params[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  return params;
}
