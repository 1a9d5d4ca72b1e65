/**
 * Reading a job file (JSON, or YAML for .yaml/.yml) into a plain value the
 * rest of ferry can walk safely: no alias cycles, bounded nesting, no
 * duplicate keys, no `__proto__` keys. Errors name the file and position
 * but never echo its content (a wrong path may point at a secret file).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { createRequire } from 'node:module';
import { ErrorCodes, FerryError } from './errors.js';

// The yaml library loads only for YAML files (20-30 ms at start-up that JSON jobs need not pay).
const require = createRequire(import.meta.url);
const parseYaml = (text: string, opts: { uniqueKeys: boolean; maxAliasCount: number }): unknown => (require('yaml') as typeof import('yaml')).parse(text, opts);

/** How deep a job may nest objects and lists; real jobs use fewer than 10 levels. */
export const MAX_JOB_DEPTH = 64;

/** Reads a job file as JSON (or YAML for .yaml/.yml); parse errors name the file and position. */
export async function readJobFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FerryError(ErrorCodes.CONFIG, code === 'ENOENT' ? `job file not found: ${path}` : `cannot read job file ${path}: ${(err as Error).message}`);
  }
  return parseJobText(text, path);
}

const fail = (source: string, message: string) => new FerryError(ErrorCodes.CONFIG, `${source}: ${message}`);

/** Parses job text; JSON errors give line and column; the value is checked to be a plain tree. */
export function parseJobText(text: string, source: string): unknown {
  const ext = extname(source).toLowerCase();
  let value: unknown;
  if (ext === '.yaml' || ext === '.yml') {
    try {
      // uniqueKeys: a key given twice is an error, not "the last one wins".
      value = parseYaml(text, { uniqueKeys: true, maxAliasCount: 1000 });
    } catch (err) {
      if (err instanceof RangeError || /Maximum call stack/.test((err as Error).message)) throw fail(source, `invalid YAML: nested deeper than ${MAX_JOB_DEPTH} levels`);
      // The first line of the yaml library's message says what and where; the next lines quote the text.
      throw fail(source, `invalid YAML: ${(err as Error).message.split('\n')[0]!.replace(/:$/, '')}`);
    }
  } else {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw fail(source, `invalid JSON${jsonErrorAt(text, (err as Error).message)}`);
    }
    const dup = duplicateJsonKey(text);
    if (dup) throw fail(source, `key "${dup.key}" appears twice in one object (line ${dup.line}, column ${dup.column})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(source, `a job file holds one object with "reader" and "writer" (this one holds ${value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`}; is it a job file?)`);
  }
  checkTree(value, source);
  return value;
}

/** Where and why JSON.parse failed, without V8's quote of the text. */
function jsonErrorAt(text: string, message: string): string {
  const pos = /position (\d+)/.exec(message);
  const offset = pos ? Number(pos[1]) : /Unexpected end/.test(message) ? text.length : undefined;
  let where = '';
  if (offset !== undefined) {
    const before = text.slice(0, offset);
    where = ` at line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
  }
  // V8 says e.g. `Unexpected token 'r', "root:x:0:0"... is not valid JSON`: keep the reason, drop the quote.
  const reason = message
    .replace(/, ".*$/s, '')
    .replace(/ in JSON at position.*$/s, '')
    .replace(/ is not valid JSON$/, '');
  return `${where}: ${reason}`;
}

/** Walks the parsed value without recursion: no alias cycles (YAML `&a ... *a`), bounded depth, no `__proto__` keys. */
function checkTree(root: object, source: string): void {
  const stack: { value: unknown; path: string; depth: number; ancestors: Set<object> }[] = [{ value: root, path: '', depth: 0, ancestors: new Set() }];
  while (stack.length) {
    const { value, path, depth, ancestors } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    const at = path || '(top)';
    if (ancestors.has(value)) throw fail(source, `${at}: refers to itself (a YAML alias inside its own anchor)`);
    if (depth >= MAX_JOB_DEPTH) throw fail(source, `${at}: nested deeper than ${MAX_JOB_DEPTH} levels`);
    if (Object.hasOwn(value, '__proto__')) throw fail(source, `${path ? path + '.' : ''}__proto__: unknown key`);
    const inner = new Set(ancestors).add(value);
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v]) : Object.entries(value);
    for (const [k, v] of entries) {
      if (typeof v === 'object' && v !== null) stack.push({ value: v, path: k.startsWith('[') ? `${path}${k}` : path ? `${path}.${k}` : k, depth: depth + 1, ancestors: inner });
    }
  }
}

/** The first key that appears twice in one JSON object, with its position (JSON.parse silently keeps the last). */
export function duplicateJsonKey(text: string): { key: string; line: number; column: number } | undefined {
  // A scanner over valid JSON (JSON.parse has accepted it): track each open object's keys.
  const objects: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      objects.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      objects.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      objects.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = objects[objects.length - 1] instanceof Set;
    } else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        const keys = objects[objects.length - 1]!;
        if (keys.has(key)) {
          const before = text.slice(0, start);
          return { key, line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
        }
        keys.add(key);
        expectKey = false;
      }
    }
  }
  return undefined;
}
