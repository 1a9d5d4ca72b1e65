/**
 * What running one job needs from the workspace (`ferry run`, `ferry bench`):
 * finding and loading it, its data sources and the job identity. A narrower
 * door than the package index, which also brings the scheduler, the runner
 * and backfills: ~20-40 ms less before `ferry run` starts its channels.
 */
export { applyDatasources } from './datasources.js';
export { parseBizdate } from './bizdate.js';
export { jobIdentity } from './job-identity.js';
export { findWorkspace, loadWorkspace, workspaceRunOptions, type Workspace } from './workspace.js';
