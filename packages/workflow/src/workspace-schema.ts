/** The shape of `ferry.yaml`, checked with core's `t.*` so errors name the key. */
import { t, type Infer } from '@ferry/core';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const name = (what: string) => t.string({ pattern: NAME, patternText: `a ${what} name (letters, digits, _ . -)` });

const environment = t.object({
  project: t.string({ pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, patternText: 'a project name (letters, digits, _)' }).describe('store project the environment reads and writes (MaxCompute project)'),
});

/** A data source: its plugin type and one settings block per environment (`dev: {...}`, `prod: {...}`). */
const datasource = t.object(
  {
    type: t.string({ minLength: 1 }).describe('plugin the data source is for (httpfile, mysql, ...)'),
    description: t.string().optional().describe('what the data source is'),
  },
  { passthrough: true },
);

const node = t.object({
  type: t.enum(['virtual', 'sync', 'sql'] as const).describe('virtual: zero-load node that succeeds at once; sync: runs a job file; sql: runs SQL statements on the store'),
  job: t.string({ minLength: 1 }).optional().describe('sync nodes: job file, relative to the workspace folder'),
  file: t.string({ minLength: 1 }).optional().describe('sql nodes: SQL file, relative to the workspace folder'),
  sql: t.string({ minLength: 1 }).optional().describe('sql nodes: the SQL inline (instead of file)'),
  errorLimit: t.integer({ min: 0 }).optional().describe('sql nodes: rows per INSERT that may be left out because a value does not fit its column (default 0: the first fails the node)'),
  depends: t
    .array(t.string({ minLength: 1 }))
    .default([])
    .describe('nodes of the same workflow that must succeed first'),
  rerun: t
    .enum(['always', 'on-failure', 'never'] as const)
    .default('always')
    .describe('rerun policy: always (after success or failure), on-failure, never'),
  retries: t.integer({ min: 0, max: 10 }).default(0).describe('automatic retries after a failure (3 = at most 4 runs); not with rerun: never'),
  retryInterval: t
    .union<string | number>([t.string({ minLength: 1 }), t.number({ min: 0 })], 'a duration such as 60s or 1m')
    .optional()
    .describe('wait between retries, up to 30m (default 1m; ms allowed for tests)'),
  params: t.record(t.string()).optional().describe('node parameters: name -> value with scheduling expressions (default {bizdate: $bizdate})'),
  description: t.string().optional().describe('what the node does'),
});

const workflow = t.object({
  schedule: t
    .object({ cron: t.string({ minLength: 1 }).describe('cron in the workspace time zone, e.g. "15 0 * * *"') })
    .optional()
    .describe('when the scheduler triggers instances'),
  nodes: t.record(node).describe('the nodes, by name'),
  description: t.string().optional(),
});

/** `ferry.yaml`. */
export const workspaceSchema = t.object({
  name: name('workspace').describe('workspace name'),
  timezone: t.string({ minLength: 1 }).default('UTC').describe('IANA time zone schedules and scheduling parameters are computed in'),
  environments: t.record(environment).describe('environments (dev, prod) and their store projects'),
  datasources: t.record(datasource).default({}).describe('named data sources jobs refer to with "datasource"'),
  workflows: t.record(workflow).default({}).describe('workflows, by name'),
  store: t.string({ minLength: 1 }).optional().describe('store folder, relative to the workspace folder (default .ferry)'),
});

export type WorkspaceFile = Infer<typeof workspaceSchema>;
export type NodeFile = Infer<typeof node>;
