import { describe, expect, it } from 'vitest';
import { CORE_PLUGINS, resolvePluginUrl } from '@ferry/core/engine';

describe('plugin resolution (core knows only its own plugins)', () => {
  it("does not know the CLI's plugins unless the embedder hands them over", () => {
    expect(() => resolvePluginUrl('mysql', { baseDir: '/' })).toThrow('plugin "mysql" not found');
    expect(() => resolvePluginUrl('table', { baseDir: '/' })).toThrow('plugin "table" not found');
    const url = new URL('../dist/plugins/null.js', import.meta.url).href;
    expect(resolvePluginUrl('mysql', { plugins: { mysql: url } })).toBe(url);
  });

  it('resolves its own generate and null plugins by short name', () => {
    expect(Object.keys(CORE_PLUGINS).sort()).toEqual(['generate', 'null']);
    expect(resolvePluginUrl('null')).toBe(CORE_PLUGINS.null);
  });
});
