/** `ferry plugin list | describe <name>`: the plugins and their config fields (the schema is the documentation). */
import { Command } from 'commander';
import { describeSchema, ErrorCodes, FerryError, resolvePluginUrl, loadPlugin, type Plugin } from '@ferry/core';
import { allPluginNames, BUILTIN_PLUGINS } from '../builtin-plugins.js';

async function load(spec: string): Promise<Plugin> {
  const url = resolvePluginUrl(spec, { plugins: { ...BUILTIN_PLUGINS } });
  const mod = (await import(url)) as { default?: Plugin };
  const plugin = mod.default;
  if (!plugin || (plugin.kind !== 'reader' && plugin.kind !== 'writer')) throw new FerryError(ErrorCodes.PLUGIN, `plugin "${spec}" does not default-export a plugin`);
  return loadPlugin(url, plugin.kind, spec);
}

export function pluginCommand(): Command {
  const cmd = new Command('plugin').description('list plugins and describe their config');
  cmd
    .command('list')
    .description('the built-in plugins')
    .action(async () => {
      for (const name of allPluginNames()) {
        try {
          const p = await load(name);
          process.stdout.write(`${name.padEnd(10)} ${p.kind.padEnd(7)} ${p.description ?? ''}\n`);
        } catch (err) {
          process.stdout.write(`${name.padEnd(10)} (not available: ${(err as Error).message})\n`);
        }
      }
    });
  cmd
    .command('describe')
    .description('the config fields of a plugin (short name, package or path)')
    .argument('<plugin>')
    .action(async (spec: string) => {
      const p = await load(spec);
      process.stdout.write(`${p.name} (${p.kind})${p.description ? ': ' + p.description : ''}\n\n`);
      for (const f of describeSchema(p.config)) {
        const def = f.default !== undefined ? ` (default ${JSON.stringify(f.default)})` : f.required ? ' (required)' : '';
        process.stdout.write(`  ${f.path}: ${f.expected}${def}${f.description ? `\n      ${f.description}` : ''}\n`);
      }
    });
  return cmd;
}
