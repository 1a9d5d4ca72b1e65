/**
 * The documentation a user gets with a clone stands on its own: no pointers
 * to notes outside the repository (`../shared/DESIGN.md`), and every
 * relative link in README.md, docs/ and the package and example READMEs
 * names a file that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

function docs(): string[] {
  const out = [join(ROOT, 'README.md')];
  for (const f of readdirSync(join(ROOT, 'docs'))) if (f.endsWith('.md')) out.push(join(ROOT, 'docs', f));
  for (const base of ['packages', 'examples']) {
    for (const d of readdirSync(join(ROOT, base), { withFileTypes: true })) {
      const readme = join(ROOT, base, d.name, 'README.md');
      if (d.isDirectory() && existsSync(readme)) out.push(readme);
    }
  }
  return out;
}

describe('documentation', () => {
  it('never sends the reader outside the repository', () => {
    const outside: string[] = [];
    for (const file of docs()) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\.\.\/shared\b|\b(DESIGN|SCHEDULING|STYLE|PERF-NOTES)\.md\b/g)) outside.push(`${relative(ROOT, file)}: ${m[0]}`);
    }
    expect(outside).toEqual([]);
  });

  it('links only to files that exist', () => {
    const broken: string[] = [];
    for (const file of docs()) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target)) continue; // http:, mailto:
        if (!existsSync(join(dirname(file), target))) broken.push(`${relative(ROOT, file)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
