/** `ferry datasource list | test`: the workspace's data sources and their connectivity test. */
import { Command } from 'commander';
import { ErrorCodes, FerryError, redactConfig, redactText } from '@ferry/core';
import { BUILTIN_PLUGINS } from '../builtin-plugins.js';
import { checkDatasource, loadWorkspace, requireEnvironment, type DatasourceCheck } from '@ferry/workflow';
import { withSignals } from '../run-support.js';

const plugins = { ...BUILTIN_PLUGINS };

/** Settings shown by `list`: secrets masked by core's one redaction (keys, URLs, headers, remembered values). */
function showSettings(settings: Record<string, unknown>): string {
  return Object.entries(redactConfig(settings))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** One line per data source: ok/failed, latency, and what was reached or why not. */
export function formatCheck(c: DatasourceCheck): string {
  return redactText(`${c.ok ? 'ok    ' : 'FAILED'}  ${c.name} (${c.type}, ${c.env})  ${c.latencyMs} ms  ${c.message}`);
}

function listCmd(): Command {
  return new Command('list')
    .description('the data sources of the workspace and their settings per environment')
    .option('--workspace <path>', 'ferry.yaml (default: here or above)')
    .action(async (opts: { workspace?: string }) => {
      const ws = await loadWorkspace({ workspace: opts.workspace, cwd: process.cwd() });
      const lines: string[] = [];
      for (const ds of Object.values(ws.datasources)) {
        lines.push(`${ds.name} (${ds.type})${ds.description ? `: ${ds.description}` : ''}`);
        for (const env of Object.keys(ws.environments)) {
          const s = ds.settings[env];
          lines.push(`  ${env}: ${s ? showSettings(s) : '(no settings: jobs using it fail in this environment)'}`);
        }
      }
      process.stdout.write((lines.length ? lines.join('\n') : `no data sources in ${ws.file}`) + '\n');
    });
}

function testCmd(): Command {
  return new Command('test')
    .description('connectivity test of one data source (or all) in an environment')
    .argument('[name]', 'data source (default: all)')
    .option('--env <name>', 'environment', 'dev')
    .option('--json', 'one JSON object per data source')
    .option('--workspace <path>', 'ferry.yaml (default: here or above)')
    .action(async (name: string | undefined, opts: { env: string; json?: boolean; workspace?: string }) => {
      const ws = await loadWorkspace({ workspace: opts.workspace, cwd: process.cwd() });
      requireEnvironment(ws, opts.env);
      const names = name === undefined ? Object.keys(ws.datasources) : [name];
      if (name !== undefined && !ws.datasources[name]) {
        throw new FerryError(ErrorCodes.NOT_FOUND, `data source ${name} not found (data sources in ${ws.file}: ${Object.keys(ws.datasources).join(', ') || 'none'})`);
      }
      if (names.length === 0) throw new FerryError(ErrorCodes.NOT_FOUND, `no data sources in ${ws.file}`);
      let failed = 0;
      await withSignals(async (signal) => {
        for (const n of names) {
          const c = await checkDatasource(ws, n, opts.env, { signal, plugins });
          if (!c.ok) failed++;
          process.stdout.write((opts.json ? redactText(JSON.stringify(c)) : formatCheck(c)) + '\n');
        }
      });
      process.exitCode = failed ? 1 : 0;
    });
}

/** `ferry datasource`. */
export function datasourceCommand(): Command {
  return new Command('datasource').description("the workspace's named data sources").addCommand(listCmd()).addCommand(testCmd());
}
