/**
 * The plugins the `ferry` command ships with, by short name. Core knows only
 * its own (`generate`, `null`); the CLI hands this map to every run it starts
 * (`ferry run`, workflow nodes, `datasource test`, `plugin describe`).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CORE_PLUGINS, type RunOptions } from '@ferry/core/engine';
import { tableSettings } from '@ferry/writer-table';

// createRequire, not import.meta.resolve: the latter is missing where modules are transformed (vitest).
const require = createRequire(import.meta.url);
const moduleUrl = (name: string) => pathToFileURL(require.resolve(name)).href;

/** Short name -> module file URL of the CLI's built-in plugins. */
export const BUILTIN_PLUGINS: Readonly<Record<string, string>> = {
  mysql: moduleUrl('@ferry/reader-mysql'),
  httpfile: moduleUrl('@ferry/reader-httpfile'),
  file: moduleUrl('@ferry/reader-httpfile/file'),
  table: moduleUrl('@ferry/writer-table'),
};

/** Every short name `ferry plugin list` shows: core's and the CLI's. */
export function allPluginNames(): string[] {
  return [...Object.keys(CORE_PLUGINS), ...Object.keys(BUILTIN_PLUGINS)];
}

/** What a run started by the CLI gets: the built-in plugins, the table writer's store and project, run folders under `<store>/runs`. */
export function engineOptions(target: { storeDir?: string; project: string }): Pick<RunOptions, 'plugins' | 'settings' | 'runsDir'> {
  const table = tableSettings(target.storeDir, target.project);
  return { plugins: { ...BUILTIN_PLUGINS }, settings: { table: { ...table } }, runsDir: join(table.storeDir, 'runs') };
}
