/**
 * Where the `table` writer writes. Not part of the job: whoever embeds the
 * engine says it (the CLI from --store/--project or the workspace), through
 * `runJob(job, { settings: { table: tableSettings(dir, project) } })`, and
 * core hands it to the writer as `ctx.settings` without reading it.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import { resolveStoreDir } from './store.js';

/** The table writer's settings. */
export interface TableSettings {
  /** The store folder. */
  storeDir: string;
  /** The project a table name without `project.` belongs to. */
  project: string;
}

/** Settings for the `table` writer: `storeDir` (else FERRY_STORE, else ./.ferry) and `project` (else `default`). */
export function tableSettings(storeDir?: string, project = 'default'): TableSettings {
  return { storeDir: resolveStoreDir(storeDir), project };
}

/** The settings the embedder gave this run; a run without them writes where `tableSettings()` says. */
export function settingsOf(ctx: { settings?: Readonly<Record<string, unknown>> }): TableSettings {
  const s = ctx.settings ?? {};
  if (s.storeDir !== undefined && typeof s.storeDir !== 'string') throw new FerryError(ErrorCodes.USAGE, 'table writer settings: storeDir must be a folder path');
  if (s.project !== undefined && typeof s.project !== 'string') throw new FerryError(ErrorCodes.USAGE, 'table writer settings: project must be a name');
  return tableSettings(s.storeDir as string | undefined, (s.project as string | undefined) ?? 'default');
}
