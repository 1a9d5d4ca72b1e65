/**
 * One way to turn a job file into the job a run gets, for `ferry run` and
 * for workflow nodes alike: read it (JSON or YAML), point DataX-shaped jobs
 * to their ferry form, fill `${name}` parameters and scheduling expressions
 * once, then let the embedder merge named data sources (core knows no
 * workspace). Errors name the file.
 */
import { dirname, resolve } from 'node:path';
import { checkDataxShape } from './datax-hints.js';
import { FerryError, isFerryError } from './errors.js';
import { substitute, type ExpressionResolver } from './job-config.js';
import { readJobFile } from './job-file.js';
import { rememberSecrets } from './redact.js';

/** How a job file is prepared. */
export interface PrepareJobOptions {
  /** Values for `${name}` placeholders. */
  params?: Record<string, string>;
  /** Resolves the bodies that are not params (scheduling expressions such as `${yyyymmdd-1}`). */
  expressions?: ExpressionResolver;
  /**
   * Merges named data sources (`"datasource": "..."`) into the job, after
   * the placeholders are filled (so a secret in a data source is never
   * read as a placeholder). The workflow layer gives the workspace's.
   */
  datasources?: (job: unknown, file: string) => unknown;
  /** How the file is named in messages (default its absolute path). */
  displayName?: string;
}

/** A job ready for `runJob`. */
export interface PreparedJob {
  /** The job file's absolute path. */
  file: string;
  /** The folder relative paths of the job resolve against. */
  baseDir: string;
  job: unknown;
  params: Record<string, string>;
  /** The writer block as the file has it (before substitution, without `plugin`): it scopes saved incremental state (`runJob`'s `stateTemplate`). */
  template: unknown;
}

/** Reads and prepares the job file `path`; throws FerryErrors naming the file. */
export async function prepareJob(path: string, opts: PrepareJobOptions = {}): Promise<PreparedJob> {
  const file = resolve(path);
  const params = opts.params ?? {};
  const raw = await readJobFile(file);
  // From here on the job's secrets (and -p password=...) are masked in every output, whatever fails next.
  rememberSecrets(raw);
  rememberSecrets(params);
  checkDataxShape(raw, opts.displayName ?? file);
  let job: unknown;
  try {
    job = substitute(raw, params, opts.expressions);
  } catch (err) {
    if (isFerryError(err)) throw new FerryError(err.code, `${opts.displayName ?? file}: ${err.message}`);
    throw err;
  }
  rememberSecrets(job);
  if (opts.datasources) job = opts.datasources(job, file);
  rememberSecrets(job);
  const w = (raw as { writer?: unknown } | null)?.writer;
  const template = w && typeof w === 'object' ? Object.fromEntries(Object.entries(w as Record<string, unknown>).filter(([k]) => k !== 'plugin')) : undefined;
  return { file, baseDir: dirname(file), job, params, template };
}
