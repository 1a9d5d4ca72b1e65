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

/** Every module a built module imports at run time (relative imports followed; `import type` is gone from dist), and the bare specifiers it reaches. */
function runtimeGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(join(file, '..', spec));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files: [...files], packages: [...packages].sort() };
}

describe('channel modules', () => {
  const channels = ['reader-httpfile/dist/index.channel.js', 'reader-httpfile/dist/file.channel.js', 'reader-mysql/dist/index.channel.js', 'writer-table/dist/index.channel.js'];

  it.each(channels)('%s loads no config schema (zod), no @ferry/core main entry and no LMDB in channel threads', (rel) => {
    const { files, packages } = runtimeGraph(join(ROOT, 'packages', rel));
    expect(packages.filter((p) => p === 'zod' || p === '@ferry/core' || p === 'lmdb' || p.startsWith('@ferry/core/engine'))).toEqual([]);
    expect(files.filter((f) => /config\.js$|[\\/]writer\.js$|[\\/]plugin\.js$/.test(f)).map((f) => f.slice(ROOT.length))).toEqual([]);
  });

  it.each(channels)("%s is the plugin module's read/open, under the plugin's name", async (rel) => {
    const channel = (await import(join(ROOT, 'packages', rel))).default as { kind: string; name: string };
    const plugin = (await import(join(ROOT, 'packages', rel.replace('.channel.js', '.js')))).default as { kind: string; name: string; read?: unknown; open?: unknown };
    expect([channel.kind, channel.name]).toEqual([plugin.kind, plugin.name]);
    if (plugin.kind === 'reader') expect(plugin.read).toBe((channel as { read?: unknown }).read);
  });
});
