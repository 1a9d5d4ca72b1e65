/**
 * Finds plugin modules. A job names a plugin by short name (`mysql`), by
 * package name (`@acme/ferry-reader-kafka`) or by a path to a module
 * (`./plugins/my-reader.js`, relative to the job file). Workers import the
 * same resolved file URL, so a third-party plugin runs exactly like ours.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCodes, FerryError } from './errors.js';
import type { ReaderPlugin, WriterPlugin } from './plugin.js';

/** Short names of the plugins that ship inside core itself. The embedder adds its own (`ResolveOptions.plugins`). */
export const CORE_PLUGINS: Readonly<Record<string, string>> = {
  generate: new URL('./plugins/generate.js', import.meta.url).href,
  null: new URL('./plugins/null.js', import.meta.url).href,
};

export interface ResolveOptions {
  /** Folder that relative module paths resolve against (the job file's folder). */
  baseDir?: string;
  /** The embedder's built-in plugins: short name -> file URL, path or package name. */
  plugins?: Record<string, string>;
  /** More folders or file URLs to resolve package names from. */
  resolveFrom?: string[];
}

/** The file URL of a plugin module; a FerryError PLUGIN says what was tried. */
export function resolvePluginUrl(spec: string, opts: ResolveOptions = {}): string {
  const baseDir = opts.baseDir ?? process.cwd();
  const builtin = Object.hasOwn(opts.plugins ?? {}, spec) ? opts.plugins![spec] : Object.hasOwn(CORE_PLUGINS, spec) ? CORE_PLUGINS[spec] : undefined;
  if (builtin?.startsWith('file:')) return builtin;
  const name = builtin ?? spec;
  if (name.startsWith('.') || isAbsolute(name) || name.startsWith('file:')) {
    const path = name.startsWith('file:') ? fileURLToPath(name) : resolve(baseDir, name);
    if (!existsSync(path)) throw new FerryError(ErrorCodes.PLUGIN, `plugin module not found: ${path}`);
    return pathToFileURL(path).href;
  }
  const bases = [baseDir, process.cwd(), ...(opts.resolveFrom ?? [])];
  for (const base of bases) {
    try {
      const from = base.startsWith('file:') ? fileURLToPath(base) : join(base, 'noop.js');
      return pathToFileURL(createRequire(from).resolve(name)).href;
    } catch {
      // try the next base
    }
  }
  const hint = builtin ? ` (the built-in "${spec}" plugin lives in ${name}; is it installed?)` : ' (install the package, or give a path like ./my-plugin.js)';
  throw new FerryError(ErrorCodes.PLUGIN, `plugin "${spec}" not found${hint}`);
}

/**
 * The module channel threads load for a plugin module: its sibling
 * `x.channel.js` when there is one (see `ReaderChannel`), else the module
 * itself.
 */
export function channelModuleUrl(url: string): string {
  if (!url.startsWith('file:') || !url.endsWith('.js')) return url;
  const sibling = `${url.slice(0, -3)}.channel.js`;
  return existsSync(fileURLToPath(sibling)) ? sibling : url;
}

const cache = new Map<string, Promise<unknown>>();

/** Imports a plugin module and checks its default export is a plugin of `kind`. */
export async function loadPlugin<K extends 'reader' | 'writer'>(url: string, kind: K, spec = url): Promise<K extends 'reader' ? ReaderPlugin : WriterPlugin> {
  let p = cache.get(url);
  if (!p) {
    p = import(url);
    cache.set(url, p);
  }
  let mod: { default?: unknown };
  try {
    mod = (await p) as { default?: unknown };
  } catch (err) {
    cache.delete(url);
    throw new FerryError(ErrorCodes.PLUGIN, `plugin "${spec}" failed to load: ${(err as Error).message}`, { cause: err });
  }
  const plugin = mod.default as { kind?: string; name?: string } | undefined;
  if (!plugin || (plugin.kind !== 'reader' && plugin.kind !== 'writer')) {
    throw new FerryError(ErrorCodes.PLUGIN, `plugin "${spec}" does not default-export a plugin made with defineReader/defineWriter`);
  }
  if (plugin.kind !== kind) {
    throw new FerryError(ErrorCodes.PLUGIN, `plugin "${spec}" is a ${plugin.kind}, but the job uses it as a ${kind}`);
  }
  return plugin as never;
}

/** Resolves and loads in one step. */
export async function resolvePlugin<K extends 'reader' | 'writer'>(
  spec: string,
  kind: K,
  opts: ResolveOptions = {},
): Promise<{ url: string; plugin: K extends 'reader' ? ReaderPlugin : WriterPlugin }> {
  const url = resolvePluginUrl(spec, opts);
  return { url, plugin: await loadPlugin(url, kind, spec) };
}
