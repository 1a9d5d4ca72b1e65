export * from './schedule.js';
export * from './scheduler.js';
export * from './scheduler-state.js';
export * from './workspace.js';
export { workspaceSchema, type WorkspaceFile } from './workspace-schema.js';
export { findCycle, topoOrder, descendantsOf, type Graph } from './dag.js';
export { parseDuration, formatDuration } from './durations.js';
export { applyDatasources, checkDatasource, datasourceSettings, joinUrl, type DatasourceCheck } from './datasources.js';
export {
  InstanceState,
  effectiveInstance,
  effectiveNode,
  ownerLive,
  instanceKey,
  type InstanceRecord,
  type NodeRecord,
  type NodeStateName,
  type RunOwner,
} from './instance-state.js';
export { nodeParams, prepareNodeJob, runNodeAttempt, type AttemptResult } from './node-run.js';
export {
  runWorkflowInstance,
  readInstance,
  listInstances,
  instanceTimes,
  nodeLogPath,
  DEFAULT_NODE_PARALLEL,
  type InstanceResult,
  type InstanceRunOptions,
  type InstanceTimesInput,
} from './runner.js';
export { rerunNode, rerunRefusal, type RerunOptions, type RerunResult } from './rerun.js';
export { backfill, dateRange, type BackfillOptions, type BackfillResult } from './backfill.js';
export { parseBizdate } from './bizdate.js';
export { openStateStore, processAlive, processIdentity, type ProcessIdentity, type StateCatalog, type StateStore } from './state-store.js';
export { jobIdentity } from './job-identity.js';
export { applyLineage, type NodeLineage } from './lineage.js';
