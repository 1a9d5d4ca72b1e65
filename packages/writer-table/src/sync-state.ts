/**
 * Saved incremental state (high-water marks of incremental readers), kept in
 * the store's `meta:state` database. A commit that carries state writes it in
 * the same LMDB transaction as the partition's new file list, so a failed,
 * cancelled or killed run leaves both as they were.
 *
 * One entry per project (the workspace environment's), job, reader key
 * (source and cursor column), destination table and partition pattern as
 * written in the job (`dt=${bizdate}`: every day's run shares one state).
 */
import { ErrorCodes, FerryError, type StateRef } from '@ferry/core';
import type { Store } from './store.js';

/** One saved state. */
export interface SavedState {
  project: string;
  /** The job, as the embedder names it (file path or workflow node). */
  job: string;
  /** The reader's key: `mysql:db.orders:updated_at`. */
  reader: string;
  /** Destination `project.table`. */
  table: string;
  /** The partition as written in the job file (before substitution), '' when none. */
  partition: string;
  /** The reader's value (mysql: `{ column, kind, value }`). */
  value: unknown;
  /** What the run that saved it read, for people. */
  range: string;
  runId: string;
  /** ISO time of the commit (or of `ferry state set`). */
  updatedAt: string;
}

const SEP = '\u001f';
const DB = 'state';

/** The partition pattern of a writer template (the unsubstituted writer block). */
export function templatePartition(template: unknown): string {
  const p = (template as { partition?: unknown } | null | undefined)?.partition;
  return typeof p === 'string' ? p : '';
}

/** The key of a state entry. */
export function stateKey(project: string, ref: Pick<StateRef, 'job' | 'reader'>, table: string, partition: string): string {
  // Projects are case-insensitive names (the table store lowercases them).
  return [project.toLowerCase(), ref.job, ref.reader, table.toLowerCase(), partition].join(SEP);
}

/** The saved state of an entry, or undefined. */
export function getState(store: Store, key: string): SavedState | undefined {
  return store.meta(DB).get(key) as SavedState | undefined;
}

/** Writes an entry; call inside a write transaction (the commit's). */
export function putStateSync(store: Store, key: string, state: SavedState): void {
  store.meta(DB).putSync(key, state);
}

/** Every entry of a project (all projects when undefined), ordered by job. */
export function listStates(store: Store, project?: string): SavedState[] {
  const p = project?.toLowerCase();
  const range = p === undefined ? {} : { start: `${p}${SEP}`, end: `${p}${SEP}\uffff` };
  const out: SavedState[] = [];
  for (const { value } of store.meta(DB).getRange(range)) out.push(value as SavedState);
  return out;
}

/**
 * The one entry of `job` in `project` (narrowed by `table` when given). No
 * entry, or several without a table to choose, is a usage error naming them.
 */
export function findState(store: Store, project: string, job: string, table?: string): { key: string; state: SavedState } {
  const tableName = table === undefined ? undefined : table.includes('.') ? table.toLowerCase() : `${project}.${table.toLowerCase()}`;
  const all = listStates(store, project);
  const found = all.filter((s) => s.job === job && (tableName === undefined || s.table === tableName));
  if (found.length === 0) {
    const jobs = [...new Set(all.map((s) => s.job))];
    throw new FerryError(
      ErrorCodes.NOT_FOUND,
      `no saved state for job ${job}${tableName ? ` into ${tableName}` : ''} in project ${project} of ${store.dir}${jobs.length ? ` (jobs with state: ${jobs.slice(0, 10).join(', ')})` : ' (no job has state there yet)'}`,
    );
  }
  if (found.length > 1) {
    throw new FerryError(
      ErrorCodes.USAGE,
      `job ${job} has ${found.length} saved states (${found.map((s) => `${s.reader} -> ${s.table}${s.partition ? ` ${s.partition}` : ''}`).join('; ')}); name the table with --table`,
    );
  }
  const s = found[0]!;
  return { key: stateKey(s.project, s, s.table, s.partition), state: s };
}

/** Replaces an entry's value (`ferry state set`); returns the new entry. */
export async function setStateValue(store: Store, key: string, value: unknown, note: string): Promise<SavedState> {
  const next = store.env.transactionSync(() => {
    const old = getState(store, key);
    if (!old) throw new FerryError(ErrorCodes.NOT_FOUND, 'the saved state was removed meanwhile');
    const s: SavedState = { ...old, value, range: note, runId: '', updatedAt: new Date().toISOString() };
    putStateSync(store, key, s);
    return s;
  });
  await store.env.flushed;
  return next;
}

/** Removes an entry (`ferry state reset`): the next run reads from the start. */
export async function removeState(store: Store, key: string): Promise<void> {
  store.env.transactionSync(() => void store.meta(DB).removeSync(key));
  await store.env.flushed;
}
