/** docs/architecture.md's package graph matches the package.json files, and the boundary rules hold. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const deps = Object.fromEntries(
  readdirSync(join(ROOT, 'packages')).map((dir) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
    return [
      pkg.name,
      Object.keys(pkg.dependencies ?? {})
        .filter((d) => d.startsWith('@ferry/'))
        .sort(),
    ];
  }),
);

describe('the package graph', () => {
  it('in docs/architecture.md is the one in the package.json files', () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const block = /```text\n(@ferry\/core[\s\S]*?)```/.exec(doc)![1]!;
    const graph = Object.fromEntries(
      block
        .trim()
        .split('\n')
        .map((line) => {
          const [name, rest] = line.split('->').map((s) => s.trim());
          return [
            name!,
            rest!.startsWith('(')
              ? []
              : rest!
                  .split(',')
                  .map((s) => s.trim())
                  .sort(),
          ];
        }),
    );
    expect(graph).toEqual(deps);
  });

  it('keeps core free of ferry packages and plugins on core only', () => {
    expect(deps['@ferry/core']).toEqual([]);
    for (const name of Object.keys(deps).filter((n) => /reader-|writer-/.test(n))) expect(deps[name], name).toEqual(['@ferry/core']);
  });

  it("has no ferry package named in core's sources (no hard-coded plugins, no CLI lookup)", () => {
    const dir = join(ROOT, 'packages/core/src');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const named = files.filter((f) => /['"]@ferry\/(?!core)/.test(readFileSync(join(dir, f), 'utf8')));
    expect(named).toEqual([]);
  });
});
