/**
 * `@ferry/core/engine`: what embeds the engine (the CLI, the workflow
 * layer): running jobs, preparing job files, finding plugins. Plugin
 * authors need only the main entry.
 */
export { runJob, RUN_RESULT_FILE } from './engine.js';
export { prepareJob, type PrepareJobOptions, type PreparedJob } from './prepare-job.js';
export { readJobFile, parseJobText, duplicateJsonKey, MAX_JOB_DEPTH } from './job-file.js';
export { substitute, validateJob, parseParamArgs, type ExpressionResolver, type JobConfig, type JobSetting, type PluginBlock } from './job-config.js';
export { CORE_PLUGINS, channelModuleUrl, resolvePlugin, resolvePluginUrl, loadPlugin, type ResolveOptions } from './resolve-plugin.js';
export type { RunOptions, RunResult, Progress, DirtySample, SplitDone } from './run-types.js';
export { createConverter, planConvert, sourceRecord, takeRows, type ColumnOp, type ConvertPlan, type Converter, type DirtyRow } from './convert.js';
export { schemaToBytes, schemaFromBytes } from './schema-bytes.js';
export { checkDataxShape } from './datax-hints.js';
export { CHANNEL_WORKER_URL } from './engine.js';
export type { ChannelBase, ChannelLimiter, ChannelResult, ChannelRunner, ChannelRunnerInput, ChannelTask, LimiterFactory, LimiterRef } from './channel-task.js';
export { C, Counters, createSharedState, type SharedState } from './shared-state.js';
export { listRunRecords, readRunRecord, notResumable, type RunRecord, type RunStatus, type ResumeRecord, type DoneSplit, type RunEnd } from './run-record.js';
