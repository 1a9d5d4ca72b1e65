/** DataX writer blocks -> ferry writer blocks: streamwriter -> null, odpswriter (DataWorks `odps`) -> table. */
import { asBoolean, asList, Params, type ImportReport } from './params.js';

/** streamwriter -> null: rows are read, converted and counted, then dropped. */
export function nullWriter(p: Params, report: ImportReport): Record<string, unknown> {
  if (asBoolean(p.take('print')) === true) {
    report.dropped.push({ key: `${p.at}.print`, why: 'the null writer prints nothing; see rows with `ferry preview JOB`' });
  }
  p.ignore('encoding');
  p.ignore('fieldDelimiter');
  p.finish('the null writer');
  return { plugin: 'null' };
}

/** odpswriter -> table: the MaxCompute table becomes a table of ferry's local store. */
export function tableWriter(p: Params, report: ImportReport): Record<string, unknown> {
  const out: Record<string, unknown> = { plugin: 'table' };
  const table = String(p.take('table') ?? '');
  const project = p.take('project');
  out.table = typeof project === 'string' && project !== '' && !table.includes('.') ? `${project}.${table}` : table;
  const partition = p.take('partition');
  if (typeof partition === 'string' && partition.trim() !== '') out.partition = partition.replace(/\s*\/\s*/g, ',').replace(/\s+/g, '');
  const truncate = asBoolean(p.take('truncate'));
  out.writeMode = truncate === false ? 'append' : 'overwrite';
  const cols = asList(p.take('column')).map(String);
  if (cols.length > 0 && !(cols.length === 1 && cols[0] === '*')) out.columns = cols;
  const creds = ['accessId', 'accessKey', 'odpsServer', 'tunnelServer', 'accountType', 'securityToken', 'datasource'].filter((k) => p.has(k));
  for (const k of creds) p.ignore(k);
  if (creds.length) report.notes.push(`writer: ${creds.join(', ')} not needed: ferry writes its own table store (the run's --store/workspace project); no credential was copied`);
  p.drop('emptyAsNull', 'empty strings are written as empty strings');
  for (const k of ['isCompress', 'blockSizeInMB', 'maxRetryTime', 'consistencyCommit', 'uploadRetryTimes', 'tunnelTimeout']) p.ignore(k);
  p.drop('preSql', 'ferry runs no SQL before writing');
  p.drop('postSql', 'ferry runs no SQL after writing');
  p.finish('the table writer');
  return out;
}
