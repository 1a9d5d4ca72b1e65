/**
 * The name a job's saved incremental state is kept under: its file's path
 * relative to the workspace folder ('/'-separated), so `ferry run` and a
 * workflow node running the same file share one state, and moving the
 * workspace folder keeps it. Outside a workspace: the absolute path.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** The state identity of the job file `file` (in the workspace folder `wsDir`, when there is one). */
export function jobIdentity(file: string, wsDir?: string): string {
  const abs = resolve(file);
  if (wsDir) {
    const rel = relative(resolve(wsDir), abs);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
  }
  return abs;
}
