/**
 * Local path patterns for the `file` reader: `*`, `?` and `[...]` within one
 * path segment, `**` for any depth, as DataX's txtfilereader takes them.
 * Node 20's fs has no glob (fs.glob is 22+); this small matcher covers what
 * job files use without a dependency: literal segments are joined without a
 * readdir, wildcard segments list one folder each.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FerryError } from '@ferry/core';

const WILD = /[*?[]/;

/** True when the text holds a wildcard. */
export function hasWildcard(path: string): boolean {
  return WILD.test(path);
}

/** One path segment pattern as a RegExp (`*` and `?` never match `/`; dot files only when the pattern starts with a dot). */
export function segmentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A path, `file://` URL or pattern as an absolute path (relative ones against `baseDir`). */
export function toLocalPath(spec: string, baseDir: string): string {
  if (spec.startsWith('file:')) {
    try {
      return fileURLToPath(spec);
    } catch (err) {
      throw new FerryError(ErrorCodes.CONFIG, `reader.path: ${JSON.stringify(spec)} is not a valid file URL (${(err as Error).message})`);
    }
  }
  return isAbsolute(spec) ? spec : resolve(baseDir, spec);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function listDir(dir: string): Promise<{ name: string; dir: boolean }[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, dir: e.isDirectory() }));
  } catch {
    return [];
  }
}

/** Every file an absolute pattern matches, sorted; a path without wildcards is returned as it is when it is a file. */
export async function expandPattern(pattern: string): Promise<string[]> {
  if (!hasWildcard(pattern)) return (await isFile(pattern)) ? [pattern] : [];
  const parts = pattern.split(sep);
  const root = parts[0] === '' ? sep : parts[0]!;
  const out: string[] = [];
  const walk = async (dir: string, i: number): Promise<void> => {
    if (i === parts.length) {
      if (await isFile(dir)) out.push(dir);
      return;
    }
    const part = parts[i]!;
    if (part === '') return walk(dir, i + 1);
    if (!hasWildcard(part)) return walk(join(dir, part), i + 1);
    const entries = await listDir(dir);
    if (part === '**') {
      await walk(dir, i + 1); // zero folders
      for (const e of entries) if (e.dir && !e.name.startsWith('.')) await walk(join(dir, e.name), i);
      return;
    }
    const re = segmentRegExp(part);
    for (const e of entries) {
      if (e.name.startsWith('.') && !part.startsWith('.')) continue;
      if (re.test(e.name)) await walk(join(dir, e.name), i + 1);
    }
  };
  await walk(root, 1);
  return out.sort();
}

/**
 * The files of a `path` setting (one or several paths, patterns or file
 * URLs), each once, in order. A plain path that is not a file, or a pattern
 * that matches nothing, is an error naming it.
 */
export async function resolvePaths(specs: string[], baseDir: string): Promise<string[]> {
  const seen = new Set<string>();
  const files: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const abs = toLocalPath(spec, baseDir);
    const matched = await expandPattern(abs);
    if (matched.length === 0) {
      const where = specs.length > 1 ? `reader.path[${i}]` : 'reader.path';
      throw new FerryError(ErrorCodes.SOURCE, hasWildcard(abs) ? `${where}: no file matches ${abs}` : `${where}: no such file: ${abs}`);
    }
    for (const f of matched) {
      if (!seen.has(f)) {
        seen.add(f);
        files.push(f);
      }
    }
  }
  return files;
}
