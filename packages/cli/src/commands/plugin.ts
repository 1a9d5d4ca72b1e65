/** `ferry plugin list | describe <name>`: the plugins and their config fields (the schema is the documentation). */
import { Command } from 'commander';
import { configJsonSchema, describeSchema, ErrorCodes, FerryError, type Plugin } from '@ferry/core';
import { resolvePluginUrl, loadPlugin } from '@ferry/core/engine';
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
    .option('--json', "print the config's JSON Schema (draft 2020-12)")
    .action(async (spec: string, opts: { json?: boolean }) => {
      const p = await load(spec);
      if (opts.json) {
        process.stdout.write(JSON.stringify(configJsonSchema(p.config), null, 2) + '\n');
        return;
      }
      process.stdout.write(`${p.name} (${p.kind})${p.description ? ': ' + p.description : ''}\n\n`);
      for (const f of describeSchema(p.config)) {
        const def = f.default !== undefined ? ` (default ${JSON.stringify(f.default)})` : f.required ? ' (required)' : '';
        const example = f.example !== undefined && f.example !== f.default ? `\n      example: ${JSON.stringify(f.example)}` : '';
        process.stdout.write(`  ${f.path}: ${f.expected}${def}${f.description ? `\n      ${f.description}` : ''}${example}\n`);
      }
    });
  return cmd;
}
