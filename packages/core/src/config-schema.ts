/**
 * A small validator for plugin and job configs. Each field carries a
 * description, so the schema is also the documentation (`ferry plugin
 * describe`). Errors name the path: `reader.rows: expected a positive integer`.
 */
import { ErrorCodes, FerryError } from './errors.js';

export interface Issue {
  path: string;
  message: string;
}

/** A validator of values of type T. */
export interface Schema<T> {
  readonly kind: string;
  readonly description?: string;
  readonly optional: boolean;
  readonly defaultValue?: T;
  /** Returns the parsed value, or pushes issues and returns undefined. */
  parse(value: unknown, path: string, issues: Issue[]): T | undefined;
  /** A one-line summary of what is expected, for docs and messages. */
  expected(): string;
  describe(text: string): Schema<T>;
  optionalField(): Schema<T | undefined>;
  default(value: T): Schema<T>;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

abstract class Base<T> implements Schema<T> {
  abstract readonly kind: string;
  description?: string;
  optional = false;
  defaultValue?: T;
  abstract check(value: unknown, path: string, issues: Issue[]): T | undefined;
  abstract expected(): string;

  parse(value: unknown, path: string, issues: Issue[]): T | undefined {
    if (value === undefined) {
      if (this.defaultValue !== undefined) return structuredClone(this.defaultValue);
      if (this.optional) return undefined;
      issues.push({ path, message: `is required (${this.expected()})` });
      return undefined;
    }
    return this.check(value, path, issues);
  }

  private clone(): this {
    return Object.assign(Object.create(Object.getPrototypeOf(this)), this);
  }
  describe(text: string): Schema<T> {
    const c = this.clone();
    c.description = text;
    return c;
  }
  optionalField(): Schema<T | undefined> {
    const c = this.clone();
    c.optional = true;
    return c as unknown as Schema<T | undefined>;
  }
  default(value: T): Schema<T> {
    const c = this.clone();
    c.defaultValue = value;
    return c;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

class StringSchema extends Base<string> {
  readonly kind = 'string';
  constructor(private readonly opts: { minLength?: number; pattern?: RegExp; patternText?: string } = {}) {
    super();
  }
  expected(): string {
    return this.opts.patternText ?? (this.opts.minLength ? 'a non-empty string' : 'a string');
  }
  check(value: unknown, path: string, issues: Issue[]): string | undefined {
    if (typeof value !== 'string' || value.length < (this.opts.minLength ?? 0) || (this.opts.pattern && !this.opts.pattern.test(value))) {
      issues.push({ path, message: `expected ${this.expected()}, got ${show(value)}` });
      return undefined;
    }
    return value;
  }
}

class NumberSchema extends Base<number> {
  readonly kind = 'number';
  constructor(private readonly opts: { integer?: boolean; min?: number; max?: number; text?: string } = {}) {
    super();
  }
  expected(): string {
    if (this.opts.text) return this.opts.text;
    const what = this.opts.integer ? 'an integer' : 'a number';
    const { min, max } = this.opts;
    if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
    if (min === 1 && this.opts.integer) return 'a positive integer';
    if (min === 0) return `a non-negative ${this.opts.integer ? 'integer' : 'number'}`;
    if (min !== undefined) return `${what} >= ${min}`;
    if (max !== undefined) return `${what} <= ${max}`;
    return what;
  }
  check(value: unknown, path: string, issues: Issue[]): number | undefined {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!this.opts.integer || Number.isSafeInteger(value)) &&
      (this.opts.min === undefined || value >= this.opts.min) &&
      (this.opts.max === undefined || value <= this.opts.max);
    if (!ok) {
      issues.push({ path, message: `expected ${this.expected()}, got ${show(value)}` });
      return undefined;
    }
    return value as number;
  }
}

class BooleanSchema extends Base<boolean> {
  readonly kind = 'boolean';
  expected(): string {
    return 'true or false';
  }
  check(value: unknown, path: string, issues: Issue[]): boolean | undefined {
    if (typeof value !== 'boolean') {
      issues.push({ path, message: `expected true or false, got ${show(value)}` });
      return undefined;
    }
    return value;
  }
}

class EnumSchema<V extends string> extends Base<V> {
  readonly kind = 'enum';
  constructor(readonly values: readonly V[]) {
    super();
  }
  expected(): string {
    return `one of ${this.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  check(value: unknown, path: string, issues: Issue[]): V | undefined {
    if (typeof value !== 'string' || !this.values.includes(value as V)) {
      issues.push({ path, message: `expected ${this.expected()}, got ${show(value)}` });
      return undefined;
    }
    return value as V;
  }
}

class ArraySchema<T> extends Base<T[]> {
  readonly kind = 'array';
  constructor(
    readonly item: Schema<T>,
    private readonly opts: { minItems?: number } = {},
  ) {
    super();
  }
  expected(): string {
    return this.opts.minItems ? `a non-empty list of ${this.item.expected()}` : `a list of ${this.item.expected()}`;
  }
  check(value: unknown, path: string, issues: Issue[]): T[] | undefined {
    if (!Array.isArray(value)) {
      issues.push({ path, message: `expected ${this.expected()}, got ${show(value)}` });
      return undefined;
    }
    if (value.length < (this.opts.minItems ?? 0)) {
      issues.push({ path, message: `expected at least ${this.opts.minItems} item(s)` });
      return undefined;
    }
    const before = issues.length;
    const out = value.map((v, i) => this.item.parse(v, `${path}[${i}]`, issues));
    return issues.length > before ? undefined : (out as T[]);
  }
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<S extends Shape> = Simplify<{ [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }>;

class ObjectSchema<S extends Shape> extends Base<ObjectOf<S>> {
  readonly kind = 'object';
  constructor(
    readonly shape: S,
    private readonly opts: { passthrough?: boolean; allowKeys?: string[] } = {},
  ) {
    super();
  }
  expected(): string {
    return 'an object';
  }
  check(value: unknown, path: string, issues: Issue[]): ObjectOf<S> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ path, message: `expected an object, got ${show(value)}` });
      return undefined;
    }
    const input = value as Record<string, unknown>;
    const before = issues.length;
    const out: Record<string, unknown> = this.opts.passthrough ? { ...input } : {};
    for (const [key, schema] of Object.entries(this.shape)) {
      const parsed = schema.parse(input[key], join(path, key), issues);
      if (parsed !== undefined) out[key] = parsed;
    }
    if (!this.opts.passthrough) {
      const known = [...Object.keys(this.shape), ...(this.opts.allowKeys ?? [])];
      for (const key of Object.keys(input)) {
        if (known.includes(key)) {
          if (!(key in this.shape)) out[key] = input[key];
          continue;
        }
        const near = closest(key, known);
        issues.push({ path: join(path, key), message: `unknown key${near ? ` (did you mean "${near}"?)` : ''}` });
      }
    }
    return issues.length > before ? undefined : (out as ObjectOf<S>);
  }
}

class UnionSchema<T> extends Base<T> {
  readonly kind = 'union';
  constructor(
    readonly options: Schema<unknown>[],
    private readonly text?: string,
  ) {
    super();
  }
  expected(): string {
    return this.text ?? this.options.map((o) => o.expected()).join(' or ');
  }
  check(value: unknown, path: string, issues: Issue[]): T | undefined {
    let best: Issue[] | undefined;
    for (const option of this.options) {
      const local: Issue[] = [];
      const parsed = option.parse(value, path, local);
      if (local.length === 0) return parsed as T;
      // Prefer the option that got deepest into the value: its issues say most.
      if (!best || depth(local) > depth(best)) best = local;
    }
    if (best && depth(best) > path.length) issues.push(...best);
    else issues.push({ path, message: `expected ${this.expected()}, got ${show(value)}` });
    return undefined;
  }
}

class AnySchema extends Base<unknown> {
  readonly kind = 'any';
  expected(): string {
    return 'any value';
  }
  check(value: unknown): unknown {
    return value;
  }
}

class RecordSchema<T> extends Base<Record<string, T>> {
  readonly kind = 'record';
  constructor(readonly item: Schema<T>) {
    super();
  }
  expected(): string {
    return `an object of ${this.item.expected()}`;
  }
  check(value: unknown, path: string, issues: Issue[]): Record<string, T> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ path, message: `expected ${this.expected()}, got ${show(value)}` });
      return undefined;
    }
    const before = issues.length;
    const out: Record<string, T> = {};
    for (const [k, v] of Object.entries(value)) {
      const parsed = this.item.parse(v, join(path, k), issues);
      if (parsed !== undefined) out[k] = parsed;
    }
    return issues.length > before ? undefined : out;
  }
}

function depth(issues: Issue[]): number {
  return Math.max(...issues.map((i) => i.path.length));
}

function join(path: string, key: string): string {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${k}` : k;
}

function closest(key: string, known: string[]): string | undefined {
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

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** Schema builders. */
export const t = {
  string: (opts?: { minLength?: number; pattern?: RegExp; patternText?: string }) => new StringSchema(opts) as Schema<string>,
  number: (opts?: { min?: number; max?: number; text?: string }) => new NumberSchema(opts) as Schema<number>,
  integer: (opts?: { min?: number; max?: number; text?: string }) => new NumberSchema({ ...opts, integer: true }) as Schema<number>,
  boolean: () => new BooleanSchema() as Schema<boolean>,
  enum: <V extends string>(values: readonly V[]) => new EnumSchema(values) as Schema<V>,
  array: <T>(item: Schema<T>, opts?: { minItems?: number }) => new ArraySchema(item, opts) as Schema<T[]>,
  /** An object with known keys; unknown keys are errors unless `passthrough` (or listed in allowKeys). */
  object: <S extends Shape>(shape: S, opts?: { passthrough?: boolean; allowKeys?: string[] }) => new ObjectSchema(shape, opts) as Schema<ObjectOf<S>> & { shape: S },
  record: <T>(item: Schema<T>) => new RecordSchema(item) as Schema<Record<string, T>>,
  union: <T>(options: Schema<unknown>[], text?: string) => new UnionSchema<T>(options, text) as Schema<T>,
  any: () => new AnySchema() as Schema<unknown>,
};

/** Validates `value` against `schema`; throws one FerryError listing every issue, each with its path. */
export function validate<T>(schema: Schema<T>, value: unknown, path: string, source?: string): T {
  const issues: Issue[] = [];
  const out = schema.parse(value, path, issues);
  if (issues.length > 0) {
    const lines = issues.map((i) => `${i.path || '(top)'}: ${i.message}`);
    const where = source ? `${source}: ` : '';
    throw new FerryError(ErrorCodes.CONFIG, where + lines.join('\n' + ' '.repeat(where.length)));
  }
  return out as T;
}

/** Lists the fields of an object schema with their expectation and description. */
export function describeSchema(schema: Schema<unknown>, prefix = ''): { path: string; expected: string; required: boolean; description?: string; default?: unknown }[] {
  const shape = (schema as { shape?: Shape }).shape;
  if (!shape) return [];
  const rows: { path: string; expected: string; required: boolean; description?: string; default?: unknown }[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    rows.push({ path, expected: field.expected(), required: !field.optional && field.defaultValue === undefined, description: field.description, default: field.defaultValue });
    rows.push(...describeSchema(field, path));
  }
  return rows;
}
