/**
 * Checking a config against its schema, with ferry's messages: one line per
 * problem, naming the path, what was expected and what was given
 * (`reader.rows: expected a positive integer, got -3`), "did you mean" for
 * unknown keys. The value of a secret-looking key is never shown, whatever
 * its type or spelling, and URL credentials in a shown string are masked.
 */
import type { z } from 'zod';
import { ErrorCodes, FerryError } from './errors.js';
import { isSecretKey, redactText } from './redact.js';
import { UNKNOWN_KEYS, type Schema } from './schema-builders.js';

/** One problem: where and what. */
export interface Issue {
  path: string;
  message: string;
}

/** How a given value is shown in a message; hidden entirely under a secret-looking key. */
export function showValue(value: unknown, secret = false): string {
  if (secret) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
    return `${kind} (value hidden: secret key)`;
  }
  if (typeof value === 'string') {
    // Masked before it is cut, so a cut cannot split a URL password from its `@`.
    const shown = redactText(value);
    return JSON.stringify(shown.length > 40 ? shown.slice(0, 40) + '...' : shown);
  }
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function joinPath(path: string, key: PropertyKey): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const k = String(key);
  const shown = /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
  return path ? `${path}.${shown}` : shown;
}

type ZodIssue = z.core.$ZodIssue & { input?: unknown; keys?: string[]; errors?: ZodIssue[][]; origin?: string };

/** Turns zod's issues into ferry's, one per path (the first says most). */
export function toIssues(issues: readonly ZodIssue[], base: string, basePath: readonly PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const iss of issues) {
    const keys = [...basePath, ...iss.path];
    const path = keys.reduce<string>(joinPath, base);
    const secret = keys.some((k) => typeof k === 'string' && isSecretKey(k));
    if (iss.code === 'unrecognized_keys') {
      const hints = iss.message.startsWith(UNKNOWN_KEYS) ? (JSON.parse(iss.message.slice(UNKNOWN_KEYS.length)) as Record<string, string | null>) : {};
      for (const key of iss.keys ?? []) {
        const near = hints[key];
        out.push({ path: joinPath(path, key), message: `unknown key${near ? ` (did you mean "${near}"?)` : ''}` });
      }
      continue;
    }
    if (iss.code === 'invalid_union' && iss.errors?.length) {
      // Prefer the option that got deepest into the value: its issues say most.
      const best = iss.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      if (depth(best) > 0) {
        out.push(...toIssues(best, base, keys));
        continue;
      }
    }
    let message = iss.message;
    if (iss.input === undefined && !message.startsWith('is required')) message = iss.code === 'invalid_type' ? 'is required' : message;
    else if (message.startsWith('expected ') && iss.origin !== 'array') message += `, got ${showValue(iss.input, secret)}`;
    out.push({ path, message });
  }
  const seen = new Set<string>();
  return out.filter((i) => !seen.has(i.path) && seen.add(i.path));
}

function depth(issues: readonly ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

/**
 * Validates `value` against `schema` and returns the parsed (normalised)
 * value; throws one FerryError CONFIG listing every issue with its path.
 */
export function validate<T>(schema: Schema<T>, value: unknown, path: string, source?: string): T {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const issues = toIssues(r.error.issues as ZodIssue[], path);
  const lines = issues.map((i) => `${i.path || '(top)'}: ${i.message}`);
  const where = source ? `${source}: ` : '';
  throw new FerryError(ErrorCodes.CONFIG, where + lines.join('\n' + ' '.repeat(where.length)));
}
