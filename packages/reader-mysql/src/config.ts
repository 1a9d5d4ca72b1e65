/**
 * The `mysql` reader's config: where to connect, what to read, how to cut it.
 * The schema is also the documentation (`ferry plugin describe mysql`).
 */
import { whereProblem } from './where-check.js';
import { t, type Infer } from '@ferry/core';

const sslSchema = t.object({
  ca: t.string().describe('CA certificate: a PEM file path (relative to the job file) or PEM text').optional(),
  cert: t.string().describe('client certificate: PEM file path or PEM text').optional(),
  key: t.string().describe('client private key: PEM file path or PEM text').optional(),
  rejectUnauthorized: t.boolean().describe('verify the server certificate (default true)').default(true),
  servername: t.string().describe('TLS server name, when it differs from the host').optional(),
});

const stringOrList = (what: string) => t.union<string | string[]>([t.string({ minLength: 1 }), t.array(t.string({ minLength: 1 }), { minItems: 1 })], `${what} or a non-empty list of them`);

const incrementalSchema = t.object({
  column: t
    .string({ minLength: 1 })
    .describe('cursor column: each run reads rows with column > the saved value and <= its maximum when the run starts (integer, DECIMAL, DATE, DATETIME/TIMESTAMP or string column)'),
  start: t
    .union<string | number>([t.string({ minLength: 1 }), t.number()], 'a value of the cursor column')
    .describe('first run (no saved state): read rows with column >= start; default: every row')
    .optional(),
  lookback: t
    .number({ min: 0 })
    .describe('reread this much before the saved value, for late rows (cursor units; seconds for DATETIME/TIMESTAMP, days for DATE); rows in that window are read again')
    .optional(),
});

const mysqlFields = t.object({
  url: t.string({ minLength: 1 }).describe('mysql://user:password@host:3306/db, or the JDBC form jdbc:mysql://host:3306/db with username/password; ${env:NAME} is replaced from the environment'),
  username: t.string().describe('user name (overrides the one in url); may be ${env:NAME}').optional(),
  password: t.string().describe('password (overrides the one in url); use ${env:NAME} so the job file carries no secret').optional(),
  table: stringOrList('a table name').describe('table to read (db.table allowed); a list reads sharded tables that share their columns as one job').optional(),
  columns: t
    .array(t.string({ minLength: 1 }), { minItems: 1 })
    .describe('["*"], column names, or SQL expressions (a constant, now(), `expr AS name`); an expression without AS is named expr_<i>')
    .default(['*']),
  where: t
    .string()
    .describe('SQL condition ANDed into every split (e.g. gmt_modified >= \'${bizdate}\'); raw SQL, parameters pasted in unescaped; unbalanced parentheses or quotes, ";" and comments are refused')
    .optional(),
  querySql: stringOrList('a SELECT').describe('SELECT(s) to run instead of table/columns/where; one split each').optional(),
  splitPk: t.string({ minLength: 1 }).describe('integer or string column to cut the table into key ranges; default: the integer primary key').optional(),
  splitFactor: t.integer({ min: 1, max: 64 }).describe('ranges per channel, so a slow range does not hold the job').default(4),
  batchRows: t.integer({ min: 1, max: 1_000_000 }).describe('rows per Arrow batch').default(32768),
  fetchSize: t.integer({ min: 1, max: 1_000_000 }).describe('DataX name of batchRows (rows per batch); batchRows wins when both are given').optional(),
  batchBytes: t
    .integer({ min: 65536 })
    .describe('a batch is also cut when its rows reach this many bytes on the wire')
    .default(8 * 1024 * 1024),
  zeroDate: t
    .enum(['null', 'string'] as const)
    .describe('zero dates (0000-00-00): "null" reads them as NULL; "string" types DATE/DATETIME/TIMESTAMP columns as strings and keeps MySQL\'s text')
    .default('null'),
  tinyint1AsBoolean: t.boolean().describe('read TINYINT(1) as boolean (default: a number, as stored)').default(false),
  consistency: t
    .enum(['split', 'snapshot'] as const)
    .describe('"split": parallel ranges, each one consistent on its own; "snapshot": one channel reads every table in one consistent-snapshot transaction')
    .default('split'),
  ssl: t
    .union<boolean | Infer<typeof sslSchema>>([t.boolean(), sslSchema], 'true, false or {ca, cert, key, rejectUnauthorized, servername}')
    .describe('TLS: true for verified TLS with the system CAs, or options')
    .optional(),
  timezone: t
    .string({ pattern: /^[+-](?:0\d|1[0-4]):[0-5]\d$/, patternText: 'an offset like +00:00 or +08:00' })
    .describe('session time zone: TIMESTAMP text is read in it and converted to UTC instants; also what NOW() means in where')
    .default('+00:00'),
  connectTimeoutMs: t.integer({ min: 100 }).describe('connect timeout').default(10_000),
  retries: t.integer({ min: 0, max: 20 }).describe('reconnects of a split after a lost connection before the job fails').default(3),
  incremental: incrementalSchema.describe('read only rows changed since the last successful run; the writer saves the high-water mark with its commit').optional(),
  netWriteTimeoutS: t.integer({ min: 1 }).describe('server-side net_write_timeout: how long the server waits while the destination is slow').default(3600),
});

/** The config, with the combinations a field cannot express checked once, when the job is validated. */
export const mysqlConfig = mysqlFields.superRefine((config, ctx) => {
  const problem = combinationProblem(config);
  if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message, input: undefined });
});

export type MysqlConfig = Infer<typeof mysqlConfig>;

/** The first combination of keys that does not go together, with the key to blame. */
function combinationProblem(config: Infer<typeof mysqlFields>): { path: string[]; message: string } | undefined {
  if (config.table === undefined && config.querySql === undefined) return { path: [], message: 'give "table" (with optional columns/where) or "querySql"' };
  if (config.table !== undefined && config.querySql !== undefined) return { path: ['querySql'], message: 'give either "table" or "querySql", not both' };
  if (config.querySql !== undefined && config.where !== undefined) return { path: ['where'], message: '"where" applies to "table"; put the condition into querySql' };
  if (config.querySql !== undefined && config.splitPk !== undefined) return { path: ['splitPk'], message: '"splitPk" applies to "table"; a querySql is read as one split' };
  if (config.querySql !== undefined && config.incremental !== undefined) return { path: ['incremental'], message: '"incremental" applies to "table"; a querySql cannot be narrowed to a cursor range' };
  const where = config.where === undefined ? undefined : whereProblem(config.where);
  return where ? { path: ['where'], message: where } : undefined;
}

export { batchRowsOf, configError, queriesOf, resolveEnv, tablesOf } from './config-values.js';
