/**
 * The workspace: `ferry.yaml` (found in the current folder or above, or
 * given with `--workspace`) declares environments, data sources and
 * workflows. Loading validates the shape (errors name the file and key) and
 * the references between parts: unknown data sources in job files,
 * dependencies on missing nodes, cycles (with their path).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ErrorCodes, FerryError, rememberSecrets, validate } from '@ferry/core';
import { readJobFile } from '@ferry/core/engine';
import { findCycle, topoOrder } from './dag.js';
import type { NodeLineage } from './lineage.js';
import { parseDuration } from './durations.js';
import { checkCron, checkTimeZone } from './schedule.js';
import { workspaceSchema } from './workspace-schema.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The file name looked for. */
export const WORKSPACE_FILE = 'ferry.yaml';

export type RerunPolicy = 'always' | 'on-failure' | 'never';

/** One node of a workflow, with defaults applied. */
export interface WorkflowNode {
  name: string;
  type: 'virtual' | 'sync' | 'sql';
  /** Sync nodes: absolute path of the job file. */
  job?: string;
  /** SQL nodes: absolute path of the SQL file. */
  sqlFile?: string;
  /** SQL nodes: the SQL written inline. */
  sql?: string;
  /** SQL nodes: rows per INSERT that may be left out because a value does not fit (default 0). */
  errorLimit?: number;
  /** Parents (same workflow). */
  depends: string[];
  rerun: RerunPolicy;
  /** Automatic retries after a failure (0..10). */
  retries: number;
  retryIntervalMs: number;
  /** Node parameters: name -> expression (`$bizdate`, `${yyyymmdd-1}`, text). */
  params: Record<string, string>;
}

export interface Workflow {
  name: string;
  schedule?: { cron: string };
  nodes: Record<string, WorkflowNode>;
  /** Node names, parents before children. */
  order: string[];
  /** Tables each node reads and writes, and the parents that adds (set by loading). */
  lineage?: Record<string, NodeLineage>;
}

export interface Datasource {
  name: string;
  /** Plugin short name the data source is for. */
  type: string;
  description?: string;
  /** Settings per environment, merged into the job's plugin block. */
  settings: Record<string, Record<string, unknown>>;
}

/** A loaded workspace. */
export interface Workspace {
  /** Absolute path of ferry.yaml. */
  file: string;
  /** The folder holding it: job paths resolve against it. */
  dir: string;
  /** The table store folder (`<dir>/.ferry` unless `store` says otherwise). */
  storeDir: string;
  name: string;
  timezone: string;
  environments: Record<string, { project: string }>;
  datasources: Record<string, Datasource>;
  workflows: Record<string, Workflow>;
}

/** Default wait between automatic retries (DataWorks allows 1..30 minutes). */
export const DEFAULT_RETRY_INTERVAL_MS = 60_000;
/** Longest wait between retries. */
export const MAX_RETRY_INTERVAL_MS = 30 * 60_000;

/** The nearest `ferry.yaml` in `cwd` or a folder above it, or undefined. */
export function findWorkspace(cwd: string = process.cwd()): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const file = join(dir, WORKSPACE_FILE);
    if (existsSync(file)) return file;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * Loads and checks the workspace: `workspace` (a ferry.yaml path or a folder
 * holding one), else the nearest ferry.yaml from `cwd` up.
 */
export async function loadWorkspace(opts: { workspace?: string; cwd?: string } = {}): Promise<Workspace> {
  const cwd = opts.cwd ?? process.cwd();
  let file: string | undefined;
  if (opts.workspace !== undefined) {
    file = resolve(cwd, opts.workspace);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, WORKSPACE_FILE);
    if (!existsSync(file)) throw new FerryError(ErrorCodes.CONFIG, `workspace file not found: ${file}`);
  } else {
    file = findWorkspace(cwd);
    if (!file) throw new FerryError(ErrorCodes.CONFIG, `no ${WORKSPACE_FILE} in ${resolve(cwd)} or any folder above it (give --workspace PATH)`);
  }
  return parseWorkspace(readFileSync(file, 'utf8'), file);
}

/** Parses and checks workspace text; `file` names it in errors and anchors relative paths. */
export async function parseWorkspace(text: string, file: string): Promise<Workspace> {
  // yaml and the SQL lineage load when a workspace is read, not with every `ferry run` that looks for one.
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new FerryError(ErrorCodes.CONFIG, `${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  const js: unknown = doc.toJS() ?? {};
  // Data source settings hold passwords and tokens: masked in every output of this process from now on.
  rememberSecrets(js);
  const raw = validate(workspaceSchema, js, '', file);
  const dir = dirname(file);
  const fail = (key: string, problem: string) => new FerryError(ErrorCodes.CONFIG, `${file}: ${key}: ${problem}`);
  if (Object.keys(raw.environments).length === 0) throw fail('environments', 'declare at least one environment (dev: {project: ...})');
  try {
    checkTimeZone(raw.timezone);
  } catch (err) {
    throw fail('timezone', (err as Error).message);
  }

  // Names become parts of store keys and log paths: keep them plain.
  const checkName = (key: string, name: string) => {
    if (!NAME.test(name) || name.includes('..')) throw fail(key, `${JSON.stringify(name)} is not a valid name (letters, digits, _ . -; starting with a letter or _)`);
  };
  const envNames = Object.keys(raw.environments);
  for (const e of envNames) checkName(`environments.${e}`, e);
  for (const [wfName, wf] of Object.entries(raw.workflows)) {
    checkName(`workflows.${wfName}`, wfName);
    for (const n of Object.keys(wf.nodes)) checkName(`workflows.${wfName}.nodes.${n}`, n);
  }
  const datasources: Record<string, Datasource> = {};
  for (const [name, ds] of Object.entries(raw.datasources)) {
    const settings: Record<string, Record<string, unknown>> = {};
    for (const [key, value] of Object.entries(ds)) {
      if (key === 'type' || key === 'description') continue;
      if (!envNames.includes(key)) throw fail(`datasources.${name}.${key}`, `unknown environment ${key} (environments: ${envNames.join(', ')})`);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`datasources.${name}.${key}`, 'expected an object of settings (url, username, ...)');
      if ('plugin' in value || 'datasource' in value) throw fail(`datasources.${name}.${key}`, 'settings cannot set "plugin" or "datasource"');
      settings[key] = value as Record<string, unknown>;
    }
    datasources[name] = { name, type: ds.type, ...(ds.description ? { description: ds.description } : {}), settings };
  }

  const workflows: Record<string, Workflow> = {};
  for (const [wfName, wf] of Object.entries(raw.workflows)) {
    const at = `workflows.${wfName}`;
    if (wf.schedule) {
      try {
        checkCron(wfName, wf.schedule.cron);
      } catch (err) {
        throw fail(`${at}.schedule.cron`, (err as Error).message);
      }
    }
    const nodes: Record<string, WorkflowNode> = {};
    for (const [nodeName, n] of Object.entries(wf.nodes)) {
      const nat = `${at}.nodes.${nodeName}`;
      for (const dep of n.depends) {
        if (!Object.hasOwn(wf.nodes, dep)) throw fail(`${nat}.depends`, `depends on ${dep}, which is not a node of ${wfName} (nodes: ${Object.keys(wf.nodes).join(', ')})`);
        if (dep === nodeName) throw fail(`${nat}.depends`, `${nodeName} depends on itself`);
      }
      if (n.type === 'sync' && !n.job) throw fail(`${nat}.job`, 'a sync node needs a job file');
      if (n.type !== 'sync' && n.job) throw fail(`${nat}.job`, `a ${n.type} node runs no job (use type: sync)`);
      if (n.type === 'sql' && (n.file === undefined) === (n.sql === undefined)) throw fail(`${nat}.file`, 'a sql node needs its SQL in "file" or inline in "sql" (one of them)');
      if (n.type !== 'sql' && n.errorLimit !== undefined) throw fail(`${nat}.errorLimit`, `only sql nodes take errorLimit here (a sync node's is in its job file's setting.errorLimit)`);
      if (n.type !== 'sql' && (n.file !== undefined || n.sql !== undefined)) throw fail(`${nat}.${n.file !== undefined ? 'file' : 'sql'}`, `only sql nodes run SQL (this node is ${n.type})`);
      if (n.rerun === 'never' && n.retries > 0) throw fail(`${nat}.retries`, 'rerun: never allows no automatic retries');
      const retryIntervalMs = n.retryInterval === undefined ? DEFAULT_RETRY_INTERVAL_MS : parseDuration(n.retryInterval, `${file}: ${nat}.retryInterval`);
      if (retryIntervalMs > MAX_RETRY_INTERVAL_MS) throw fail(`${nat}.retryInterval`, 'at most 30m');
      nodes[nodeName] = {
        name: nodeName,
        type: n.type,
        ...(n.job ? { job: isAbsolute(n.job) ? n.job : join(dir, n.job) } : {}),
        ...(n.file ? { sqlFile: isAbsolute(n.file) ? n.file : join(dir, n.file) } : {}),
        ...(n.sql ? { sql: n.sql } : {}),
        ...(n.errorLimit !== undefined ? { errorLimit: n.errorLimit } : {}),
        depends: [...new Set(n.depends)],
        rerun: n.rerun,
        retries: n.retries,
        retryIntervalMs,
        params: n.params ?? { bizdate: '$bizdate' },
      };
    }
    const graph = Object.fromEntries(Object.values(nodes).map((n) => [n.name, n.depends]));
    const cycle = findCycle(graph);
    if (cycle) throw fail(`${at}.nodes`, `dependency cycle ${cycle.join(' -> ')}`);
    workflows[wfName] = { name: wfName, ...(wf.schedule ? { schedule: wf.schedule } : {}), nodes, order: topoOrder(graph) };
  }

  const ws: Workspace = {
    file,
    dir,
    storeDir: resolve(dir, raw.store ?? '.ferry'),
    name: raw.name,
    timezone: raw.timezone,
    environments: raw.environments,
    datasources,
    workflows,
  };
  await checkJobDatasources(ws);
  const { applyLineage } = await import('./lineage.js');
  for (const wf of Object.values(ws.workflows))
    wf.lineage = await applyLineage(
      wf,
      `${file}: workflows.${wf.name}.nodes`,
      Object.values(ws.environments).map((e) => e.project),
    );
  return ws;
}

/** Every sql node's file exists; every sync node's job file exists and names only known data sources of its plugin's type. */
async function checkJobDatasources(ws: Workspace): Promise<void> {
  for (const wf of Object.values(ws.workflows)) {
    for (const node of Object.values(wf.nodes)) {
      if (node.sqlFile && !existsSync(node.sqlFile)) throw new FerryError(ErrorCodes.CONFIG, `${ws.file}: workflows.${wf.name}.nodes.${node.name}.file: SQL file not found: ${node.sqlFile}`);
      if (!node.job) continue;
      const key = `workflows.${wf.name}.nodes.${node.name}.job`;
      if (!existsSync(node.job)) throw new FerryError(ErrorCodes.CONFIG, `${ws.file}: ${key}: job file not found: ${node.job}`);
      const job = await readJobFile(node.job);
      for (const side of ['reader', 'writer'] as const) {
        const block = (job as Record<string, unknown> | null)?.[side] as Record<string, unknown> | undefined;
        const dsName = block?.datasource;
        if (dsName === undefined) continue;
        const where = `${node.job}: ${side}.datasource`;
        if (typeof dsName !== 'string') throw new FerryError(ErrorCodes.CONFIG, `${where}: expected a data source name`);
        const ds = ws.datasources[dsName];
        if (!ds) {
          throw new FerryError(
            ErrorCodes.CONFIG,
            `${where}: unknown data source ${dsName} (node ${wf.name}.${node.name}; data sources in ${ws.file}: ${Object.keys(ws.datasources).join(', ') || 'none'})`,
          );
        }
        if (block?.plugin !== undefined && block.plugin !== ds.type) {
          throw new FerryError(ErrorCodes.CONFIG, `${where}: data source ${dsName} is of type ${ds.type}, but the ${side} plugin is ${String(block.plugin)}`);
        }
      }
    }
  }
}

/** The environment's settings, or a CONFIG error listing the known ones. */
export function requireEnvironment(ws: Workspace, env: string): { project: string } {
  const e = ws.environments[env];
  if (!e) throw new FerryError(ErrorCodes.CONFIG, `unknown environment ${env} (environments in ${ws.file}: ${Object.keys(ws.environments).join(', ')})`);
  return e;
}

/** The workflow, or a NOT_FOUND error listing the known ones. */
export function requireWorkflow(ws: Workspace, name: string): Workflow {
  const wf = ws.workflows[name];
  if (!wf) throw new FerryError(ErrorCodes.NOT_FOUND, `workflow ${name} not found (workflows in ${ws.file}: ${Object.keys(ws.workflows).join(', ') || 'none'})`);
  return wf;
}

/** The node, or a NOT_FOUND error listing the workflow's nodes. */
export function requireNode(wf: Workflow, name: string): WorkflowNode {
  const n = wf.nodes[name];
  if (!n) throw new FerryError(ErrorCodes.NOT_FOUND, `node ${name} not found in workflow ${wf.name} (nodes: ${wf.order.join(', ')})`);
  return n;
}

/** Where `ferry run` / `ferry table` read and write inside a workspace, for `env`. */
export function workspaceRunOptions(ws: Workspace, env: string): { storeDir: string; project: string } {
  return { storeDir: ws.storeDir, project: requireEnvironment(ws, env).project };
}
