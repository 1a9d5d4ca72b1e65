/**
 * Data sources: a job's reader or writer names `"datasource": "<name>"`
 * instead of carrying a URL and credentials; the environment (dev/prod)
 * picks which settings of that data source are merged in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, FerryError, redactConfig, redactText, rememberSecrets, silentLogger, validate, wrapPluginError, type JobContext, type CheckReport, type ReaderPlugin } from '@ferry/core';
import { resolvePlugin } from '@ferry/core/engine';
import { requireEnvironment, type Datasource, type Workspace } from './workspace.js';

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** Joins a base URL and a relative path with exactly one `/` between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** The settings of data source `name` in `env`; errors name the data source and environment. */
export function datasourceSettings(ws: Workspace, name: string, env: string): { ds: Datasource; settings: Record<string, unknown> } {
  requireEnvironment(ws, env);
  const ds = ws.datasources[name];
  if (!ds) throw new FerryError(ErrorCodes.CONFIG, `unknown data source ${name} (data sources in ${ws.file}: ${Object.keys(ws.datasources).join(', ') || 'none'})`);
  const settings = ds.settings[env];
  if (!settings) throw new FerryError(ErrorCodes.CONFIG, `data source ${name} has no settings for environment ${env} (${ws.file}: add datasources.${name}.${env})`);
  return { ds, settings };
}

/** One plugin block with its data source merged in (a copy). */
function applyBlock(block: Record<string, unknown>, side: string, ws: Workspace, env: string, source: string): Record<string, unknown> {
  const name = block.datasource;
  if (name === undefined) return block;
  if (typeof name !== 'string') throw new FerryError(ErrorCodes.CONFIG, `${source}${side}.datasource: expected a data source name`);
  const { ds, settings } = datasourceSettings(ws, name, env);
  if (block.plugin !== undefined && block.plugin !== ds.type) {
    throw new FerryError(ErrorCodes.CONFIG, `${source}${side}.datasource: data source ${name} is of type ${ds.type}, but the ${side} plugin is ${String(block.plugin)}`);
  }
  const { datasource: _ds, ...rest } = block;
  // The job's keys win over the data source's (table, columns, where...), except a relative httpfile url, which is joined to the base.
  const out: Record<string, unknown> = { ...settings, ...rest, plugin: ds.type };
  if (ds.type === 'httpfile' && typeof settings.url === 'string' && rest.url !== undefined) {
    const urls = Array.isArray(rest.url) ? rest.url : [rest.url];
    const joined = urls.map((u, i) => {
      if (typeof u !== 'string') throw new FerryError(ErrorCodes.CONFIG, `${source}${side}.url: expected a path under data source ${name}`);
      if (SCHEME.test(u))
        throw new FerryError(ErrorCodes.CONFIG, `${source}${side}.url${Array.isArray(rest.url) ? `[${i}]` : ''}: ${u} is a full URL; with "datasource" give a path under its base URL (or use "path")`);
      return joinUrl(settings.url as string, u);
    });
    out.url = Array.isArray(rest.url) ? joined : joined[0];
  }
  return out;
}

/**
 * Merges the `env` settings of the data sources a job's reader and writer
 * name into their plugin blocks: the data source's type must be the block's
 * plugin (which may be omitted), the `datasource` key is removed, and for
 * httpfile a data source `url` is the base the job's `path`/`url` joins.
 * Returns a new job; blocks without `datasource` are unchanged.
 */
export function applyDatasources<T>(job: T, ws: Workspace, env: string, source = ''): T {
  if (typeof job !== 'object' || job === null) return job;
  const prefix = source ? `${source}: ` : '';
  const out: Record<string, unknown> = { ...(job as Record<string, unknown>) };
  for (const side of ['reader', 'writer'] as const) {
    const block = out[side];
    if (block && typeof block === 'object' && !Array.isArray(block)) out[side] = applyBlock(block as Record<string, unknown>, side, ws, env, prefix);
  }
  return out as T;
}

/** The outcome of one data source's connectivity test. */
export interface DatasourceCheck {
  name: string;
  type: string;
  env: string;
  ok: boolean;
  latencyMs: number;
  message: string;
  details?: Record<string, string | number | boolean>;
}

/** Config a connectivity test gives the plugin when the data source names no table or file of its own. */
function probeConfig(type: string, settings: Record<string, unknown>): Record<string, unknown> {
  // mysql's check reads each table/query it is given; a bare connection gets a trivial query.
  if (type === 'mysql' && settings.table === undefined && settings.querySql === undefined) return { ...settings, querySql: 'SELECT 1' };
  return settings;
}

/**
 * Tests data source `name` in `env`: loads its plugin (by type) and calls
 * the plugin's `check`. Never throws for an unreachable source: the result
 * says failed and why.
 */
export async function checkDatasource(ws: Workspace, name: string, env: string, opts: { signal?: AbortSignal; plugins?: Record<string, string> } = {}): Promise<DatasourceCheck> {
  // Latency is the check itself, not loading the plugin module.
  let started = performance.now();
  const { ds, settings } = datasourceSettings(ws, name, env);
  rememberSecrets(settings);
  // What a check reports (a URL, a server's message) may carry the data source's secrets.
  const result = (ok: boolean, message: string, details?: DatasourceCheck['details']): DatasourceCheck => ({
    name,
    type: ds.type,
    env,
    ok,
    latencyMs: Math.round(performance.now() - started),
    message: redactText(message),
    ...(details ? { details: redactConfig(details) } : {}),
  });
  const runDir = mkdtempSync(join(tmpdir(), 'ferry-check-'));
  try {
    let plugin: ReaderPlugin;
    try {
      ({ plugin } = await resolvePlugin(ds.type, 'reader', { baseDir: ws.dir, plugins: opts.plugins }));
    } catch (err) {
      if (/is a writer/.test((err as Error).message)) return result(false, `${ds.type} is a writer plugin: only readers have a connectivity test`);
      throw err;
    }
    if (!plugin.check) return result(false, `plugin ${ds.type} has no connectivity test`);
    const config = validate(plugin.config, probeConfig(ds.type, settings), `datasources.${name}.${env}`, ws.file);
    const ctx: JobContext = {
      log: silentLogger,
      signal: opts.signal ?? new AbortController().signal,
      params: {},
      settings: {},
      baseDir: ws.dir,
      runDir,
    };
    let report: CheckReport;
    started = performance.now();
    try {
      report = await plugin.check(config, ctx);
    } catch (err) {
      throw wrapPluginError(err, ds.type, 'check');
    }
    // An httpfile data source is usually a base URL, not a file: a server that answers 4xx there is reachable, which is what the test is for.
    if (!report.ok && ds.type === 'httpfile' && settings.path === undefined && /^HTTP 4\d\d\b/.test(report.message)) {
      return result(true, `server reachable (${report.message}; the base URL is not a file, jobs add their path)`, report.details);
    }
    return result(report.ok, report.message, report.details);
  } catch (err) {
    return result(false, (err as Error).message);
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}
