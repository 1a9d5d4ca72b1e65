/**
 * ferry's config schema vocabulary, on zod 4. Each builder is a zod schema
 * whose every failure says what was expected in ferry's words (`expected a
 * positive integer`); `validate` adds the path and what was given. Plugins
 * may use these builders or zod itself (`import { z } from '@ferry/core'`):
 * a plugin's `config` is any zod schema, parsed once when the job is checked,
 * so transforms normalise a config there and hooks get the result.
 */
import { z } from 'zod';
import { levenshtein } from './levenshtein.js';

export { levenshtein };

/** A config schema: any zod schema; `T` is the value a plugin's hooks get. */
export type Schema<T = unknown> = z.ZodType<T>;
/** The value type a schema produces. */
export type Infer<S> = S extends z.ZodType<infer T> ? T : never;

/** What the field expects, in words, kept as metadata (`ferry plugin describe`, messages). */
export interface FieldMeta {
  expected?: string;
  examples?: unknown[];
}

/** A zod error option that says `expected <text>` (or `is required (<text>)` when the value is missing). */
export function expecting(text: string) {
  return {
    error: (iss: { input?: unknown; code?: string }) => (iss.input === undefined && iss.code === 'invalid_type' ? `is required (${text})` : `expected ${text}`),
  };
}

function withText<S extends z.ZodType>(schema: S, text: string): S {
  return schema.meta({ expected: text } as Record<string, unknown>) as S;
}

function numberText(opts: { integer?: boolean; min?: number; max?: number; text?: string }): string {
  if (opts.text) return opts.text;
  const what = opts.integer ? 'an integer' : 'a number';
  const { min, max } = opts;
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min === 1 && opts.integer) return 'a positive integer';
  if (min === 0) return `a non-negative ${opts.integer ? 'integer' : 'number'}`;
  if (min !== undefined) return `${what} >= ${min}`;
  if (max !== undefined) return `${what} <= ${max}`;
  return what;
}

function numberSchema(opts: { integer?: boolean; min?: number; max?: number; text?: string }): z.ZodNumber {
  const text = numberText(opts);
  const e = expecting(text);
  let s = z.number(e);
  if (opts.integer) s = s.int(e);
  if (opts.min !== undefined) s = s.min(opts.min, e);
  if (opts.max !== undefined) s = s.max(opts.max, e);
  return withText(s, text);
}

/** Options of `t.object`. */
export interface ObjectOptions {
  /** Keep keys the shape does not name (a plugin block: the plugin's own keys). */
  passthrough?: boolean;
  /** Keys accepted and kept as they are, though not in the shape. */
  allowKeys?: string[];
}

/** The marker an unknown-keys message carries, so `validate` can print one line per key with its path. */
export const UNKNOWN_KEYS = 'ferry:unknown-keys:';

/** The closest of `known` to `key`, when close enough to be a likely typo. */
export function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = levenshtein(key.toLowerCase(), k.toLowerCase());
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  return best;
}

function objectSchema<S extends z.ZodRawShape>(shape: S, opts: ObjectOptions = {}): z.ZodObject<S> {
  const known = [...Object.keys(shape), ...(opts.allowKeys ?? [])];
  const full: Record<string, z.core.$ZodType> = { ...shape };
  for (const k of opts.allowKeys ?? []) if (!(k in full)) full[k] = z.unknown();
  const error = (iss: { code?: string; input?: unknown; keys?: string[] }) => {
    if (iss.code === 'unrecognized_keys') {
      // One issue for all keys: carry each key's hint for validate to print one line per key.
      return UNKNOWN_KEYS + JSON.stringify(Object.fromEntries((iss.keys ?? []).map((k) => [k, closest(k, known) ?? null])));
    }
    return iss.input === undefined ? 'is required (an object)' : 'expected an object';
  };
  const s = opts.passthrough ? z.looseObject(full, { error }) : z.strictObject(full, { error });
  return withText(s, 'an object') as unknown as z.ZodObject<S>;
}

/** Schema builders in ferry's words; each returns a zod schema (`.optional()`, `.default(v)`, `.describe(text)`, `.meta({examples})`). */
export const t = {
  string: (opts: { minLength?: number; pattern?: RegExp; patternText?: string } = {}) => {
    const text = opts.patternText ?? (opts.minLength ? 'a non-empty string' : 'a string');
    const e = expecting(text);
    let s = z.string(e);
    if (opts.minLength) s = s.min(opts.minLength, e);
    if (opts.pattern) s = s.regex(opts.pattern, e);
    return withText(s, text);
  },
  number: (opts: { min?: number; max?: number; text?: string } = {}) => numberSchema(opts),
  integer: (opts: { min?: number; max?: number; text?: string } = {}) => numberSchema({ ...opts, integer: true }),
  boolean: () => withText(z.boolean(expecting('true or false')), 'true or false'),
  enum: <const V extends string>(values: readonly V[]) => {
    const text = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
    return withText(z.enum(values as unknown as [V, ...V[]], expecting(text)), text) as unknown as z.ZodType<V>;
  },
  array: <T>(item: Schema<T>, opts: { minItems?: number } = {}) => {
    const itemText = expectedOf(item) ?? 'values';
    const text = opts.minItems ? `a non-empty list of ${itemText}` : `a list of ${itemText}`;
    let s = z.array(item, expecting(text));
    if (opts.minItems) s = s.min(opts.minItems, { error: `expected at least ${opts.minItems} item(s)` });
    return withText(s, text) as unknown as z.ZodType<T[]>;
  },
  /** An object with known keys; unknown keys are errors (with "did you mean") unless `passthrough` or listed in `allowKeys`. */
  object: objectSchema,
  record: <T>(item: Schema<T>) => {
    const text = `an object of ${expectedOf(item) ?? 'values'}`;
    return withText(z.record(z.string(), item, expecting(text)), text) as unknown as z.ZodType<Record<string, T>>;
  },
  /** One of several schemas; `text` says what is expected when none fits. */
  union: <T>(options: Schema<unknown>[], text?: string) => {
    const words = text ?? options.map((o) => expectedOf(o) ?? 'a value').join(' or ');
    return withText(z.union(options as [z.ZodType, z.ZodType, ...z.ZodType[]], expecting(words)), words) as unknown as z.ZodType<T>;
  },
  any: () =>
    withText(
      z.unknown().refine((v) => v !== undefined, { error: 'is required (any value)' }),
      'any value',
    ),
};

/** The `expected` words of a schema, looking through optional, default and nullable wrappers. */
export function expectedOf(schema: z.ZodType): string | undefined {
  let s: z.ZodType | undefined = schema;
  for (let i = 0; s && i < 8; i++) {
    const meta = s.meta() as FieldMeta | undefined;
    if (meta?.expected) return meta.expected;
    s = (s as { def?: { innerType?: z.ZodType } }).def?.innerType;
  }
  return undefined;
}
