/**
 * DataX habits in a ferry job file, caught before validation so the error
 * says what to write instead of only "unknown key". A whole DataX job is
 * pointed to `ferry import datax`.
 */
import { ErrorCodes, FerryError } from './errors.js';

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Throws a CONFIG error naming the DataX-style key of `job` and its ferry spelling; does nothing for other jobs. */
export function checkDataxShape(job: unknown, source = 'the job'): void {
  const top = obj(job);
  if (!top) return;
  const fail = (msg: string) => {
    throw new FerryError(ErrorCodes.CONFIG, `${source}: ${msg}`);
  };
  if (obj(top.job) && Array.isArray(obj(top.job)!.content)) {
    fail(`this is a DataX job ({"job":{"content":...}}); convert it first: ferry import datax ${source === 'the job' ? 'JOB.json' : source} -o ferry-job.json`);
  }
  if (Array.isArray(top.steps) && top.reader === undefined) {
    fail(`this is a DataWorks script-mode job (steps[]); convert it first: ferry import datax ${source === 'the job' ? 'JOB.json' : source} -o ferry-job.json`);
  }
  const speed = obj(obj(top.setting)?.speed);
  if (speed && speed.channel !== undefined) fail('setting.speed.channel: the channel count is setting.channel in ferry (setting.speed holds bytes and records limits)');
  if (speed && speed.byte !== undefined) fail('setting.speed.byte: the bytes/s limit is setting.speed.bytes in ferry');
  if (speed && speed.record !== undefined) fail('setting.speed.record: the records/s limit is setting.speed.records in ferry');
  const errorLimit = obj(obj(top.setting)?.errorLimit);
  if (errorLimit && errorLimit.record !== undefined) fail('setting.errorLimit.record: the dirty-record limit is setting.errorLimit.records in ferry');
  for (const side of ['reader', 'writer'] as const) {
    const block = obj(top[side]);
    if (!block) continue;
    if (block.plugin === undefined && typeof block.name === 'string' && obj(block.parameter)) {
      fail(`${side}: DataX's {"name", "parameter"} form; ferry takes the plugin and its keys in one block ({"plugin": "mysql", "url": ...}); ferry import datax converts whole jobs`);
    }
    if (block.connection !== undefined) {
      fail(`${side}.connection: DataX's connection list; ferry takes url (jdbc:mysql://host:3306/db or mysql://host:3306/db) and table or querySql directly in the ${side} block`);
    }
    if (side === 'reader' && block.column !== undefined && block.columns === undefined && ['mysql', 'httpfile', 'file'].includes(String(block.plugin))) {
      fail('reader.column: the key is columns in ferry');
    }
  }
}
