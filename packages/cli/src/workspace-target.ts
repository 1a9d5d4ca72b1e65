/**
 * Where a command reads and writes: inside a workspace (ferry.yaml in the
 * current folder or above, or --workspace), `--env dev|prod` picks the store
 * project and the data sources' settings; elsewhere --store/--project do.
 * Explicit --store and --project always win.
 */
import { Command } from 'commander';
import { ErrorCodes, FerryError } from '@ferry/core';
import { findWorkspace, loadWorkspace, workspaceRunOptions, type Workspace } from '@ferry/workflow/job';

export interface TargetOptions {
  store?: string;
  project?: string;
  env?: string;
  workspace?: string;
}

export interface Target {
  storeDir?: string;
  project: string;
  workspace?: Workspace;
  env: string;
}

export const DEFAULT_ENV = 'dev';
export const DEFAULT_PROJECT = 'default';

/** Adds --store, --project, --env and --workspace: the one place they are defined. */
export function targetOptions(cmd: Command): Command {
  return cmd
    .option('--store <dir>', "table store folder (default: the workspace's, else $FERRY_STORE, else ./.ferry)")
    .option('--project <name>', 'store project (default: the environment\'s in a workspace, else "default")')
    .option('--env <name>', 'workspace environment: its project and data source settings (default dev)')
    .option('--workspace <file>', 'workspace file (default: ferry.yaml in this folder or above)');
}

/** Resolves the store, project and workspace a command works on. */
export async function resolveTarget(opts: TargetOptions, cwd = process.cwd()): Promise<Target> {
  const file = opts.workspace ?? findWorkspace(cwd);
  if (!file) {
    if (opts.env !== undefined) throw new FerryError(ErrorCodes.USAGE, `--env ${opts.env}: no workspace here (ferry.yaml in this folder or above); give --workspace FILE`);
    return { storeDir: opts.store, project: opts.project ?? DEFAULT_PROJECT, env: DEFAULT_ENV };
  }
  const workspace = await loadWorkspace({ workspace: file, cwd });
  const env = opts.env ?? DEFAULT_ENV;
  const fromWs = workspaceRunOptions(workspace, env);
  return { storeDir: opts.store ?? fromWs.storeDir, project: opts.project ?? fromWs.project, workspace, env };
}
