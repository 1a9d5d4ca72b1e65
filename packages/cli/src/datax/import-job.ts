/**
 * `ferry import datax`: a DataX job (`{"job":{"setting","content":[...]}}`)
 * or a DataWorks script-mode job (`{"type":"job","steps":[...]}`) -> a ferry
 * job, plus the list of every key that could not be carried over.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import { asBoolean, asNumber, asObject, Params, type ImportReport } from './params.js';
import { mysqlReader, textReader } from './readers.js';
import { nullWriter, tableWriter } from './writers.js';

/** The outcome: the ferry job and the report (complete when `dropped` is empty). */
export interface ImportResult extends ImportReport {
  job: { reader: Record<string, unknown>; writer: Record<string, unknown>; setting: Record<string, unknown> };
  /** `datax` or `dataworks`: which shape the input had. */
  kind: 'datax' | 'dataworks';
}

/** True for a DataX job object (`job.content`). */
export function isDataxJob(v: unknown): boolean {
  const job = asObject(asObject(v)?.job);
  return job !== undefined && Array.isArray(job.content);
}

/** True for a DataWorks script-mode job (`steps[]` with `stepType`). */
export function isDataWorksJob(v: unknown): boolean {
  const steps = asObject(v)?.steps;
  return Array.isArray(steps) && steps.some((s) => typeof asObject(s)?.stepType === 'string');
}

/** A DataX name (`mysqlreader`) or a DataWorks stepType (`mysql`) -> the ferry plugin that replaces it. */
const READERS: Record<string, 'mysql' | 'file' | 'httpfile'> = {
  mysqlreader: 'mysql',
  rdbmsreader: 'mysql',
  mysql: 'mysql',
  drds: 'mysql',
  drdsreader: 'mysql',
  txtfilereader: 'file',
  httpfile: 'httpfile',
  httpfilereader: 'httpfile',
};
const WRITERS: Record<string, 'null' | 'table'> = { streamwriter: 'null', stream: 'null', odpswriter: 'table', odps: 'table' };

interface Block {
  name: string;
  parameter: Record<string, unknown>;
  at: string;
}

/** Converts a parsed DataX/DataWorks job; `baseDir` is where relative file paths resolve (for `["*"]` sampling). */
export async function importDataxJob(raw: unknown, opts: { source: string; baseDir: string }): Promise<ImportResult> {
  const report: ImportReport = { dropped: [], notes: [] };
  const top = asObject(raw);
  let reader: Block, writer: Block;
  let setting: Record<string, unknown>;
  let kind: ImportResult['kind'];
  if (top && isDataxJob(top)) {
    kind = 'datax';
    const job = asObject(top.job)!;
    const content = job.content as unknown[];
    if (content.length === 0) throw new FerryError(ErrorCodes.CONFIG, `${opts.source}: job.content is empty`);
    if (content.length > 1) report.dropped.push({ key: 'job.content[1..]', why: `${content.length - 1} more reader/writer pair(s): a ferry job moves one; make one job each` });
    const c0 = asObject(content[0]) ?? {};
    reader = blockOf(c0.reader, 'job.content[0].reader', opts.source);
    writer = blockOf(c0.writer, 'job.content[0].writer', opts.source);
    if (c0.transformer !== undefined)
      report.dropped.push({ key: 'job.content[0].transformer', why: 'transformers (dx_substr, dx_filter, groovy ...) are not supported; do it in querySql or after loading with ferry sql' });
    for (const k of Object.keys(c0)) if (!['reader', 'writer', 'transformer'].includes(k)) report.dropped.push({ key: `job.content[0].${k}`, why: 'not a key ferry knows' });
    setting = asObject(job.setting) ?? {};
    for (const k of Object.keys(job)) if (!['content', 'setting'].includes(k)) report.dropped.push({ key: `job.${k}`, why: 'not a key ferry knows' });
    for (const k of Object.keys(top)) {
      const v = asObject(top[k]);
      if (k !== 'job' && !(v && Object.keys(v).length === 0)) report.dropped.push({ key: k, why: 'engine settings (core.*) have no ferry counterpart' });
    }
  } else if (top && isDataWorksJob(top)) {
    kind = 'dataworks';
    const steps = (top.steps as unknown[]).map((s) => asObject(s) ?? {});
    const ri = steps.findIndex((s) => s.category === 'reader');
    const wi = steps.findIndex((s) => s.category === 'writer');
    if (ri < 0 || wi < 0) throw new FerryError(ErrorCodes.CONFIG, `${opts.source}: steps[] needs one step with "category": "reader" and one with "category": "writer"`);
    reader = { name: String(steps[ri]!.stepType), parameter: asObject(steps[ri]!.parameter) ?? {}, at: `steps[${ri}].parameter` };
    writer = { name: String(steps[wi]!.stepType), parameter: asObject(steps[wi]!.parameter) ?? {}, at: `steps[${wi}].parameter` };
    if (steps.length > 2) report.dropped.push({ key: 'steps', why: `${steps.length - 2} more step(s): a ferry job moves one reader -> writer pair` });
    setting = asObject(top.setting) ?? {};
    for (const k of Object.keys(top)) if (!['type', 'version', 'steps', 'setting', 'order', 'extend'].includes(k)) report.dropped.push({ key: k, why: 'not a key ferry knows' });
  } else {
    throw new FerryError(ErrorCodes.CONFIG, `${opts.source}: not a DataX job (expected {"job":{"content":[...]}}) nor a DataWorks script-mode job (expected "steps" with "stepType")`);
  }

  const ctx = { report, baseDir: opts.baseDir };
  const rp = new Params(reader.parameter, reader.at, report);
  const readerPlugin = READERS[reader.name.toLowerCase()];
  let ferryReader: Record<string, unknown>;
  if (readerPlugin === 'mysql') ferryReader = mysqlReader(rp, ctx);
  else if (readerPlugin) ferryReader = await textReader(rp, ctx, readerPlugin);
  else {
    report.dropped.push({ key: reader.at.replace(/\.parameter$/, '.name'), why: `reader ${reader.name} has no ferry counterpart (ferry reads mysql, local files, HTTP files, or a plugin of yours)` });
    ferryReader = { plugin: reader.name, ...reader.parameter };
  }
  const wp = new Params(writer.parameter, writer.at, report);
  const writerPlugin = WRITERS[writer.name.toLowerCase()];
  let ferryWriter: Record<string, unknown>;
  if (writerPlugin === 'null') ferryWriter = nullWriter(wp, report);
  else if (writerPlugin === 'table') ferryWriter = tableWriter(wp, report);
  else {
    report.dropped.push({ key: writer.at.replace(/\.parameter$/, '.name'), why: `writer ${writer.name} has no ferry counterpart (ferry writes its table store, or null)` });
    ferryWriter = { plugin: writer.name, ...writer.parameter };
  }
  const at = kind === 'datax' ? 'job.setting' : 'setting';
  return { kind, job: { reader: ferryReader, writer: ferryWriter, setting: importSetting(setting, at, report) }, ...report };
}

function blockOf(v: unknown, at: string, source: string): Block {
  const o = asObject(v);
  if (!o || typeof o.name !== 'string') throw new FerryError(ErrorCodes.CONFIG, `${source}: ${at}.name: expected the plugin name (e.g. mysqlreader)`);
  return { name: o.name, parameter: asObject(o.parameter) ?? {}, at: `${at}.parameter` };
}

/** `setting.speed` / `errorLimit` (DataX and DataWorks spellings) -> ferry's setting. */
function importSetting(s: Record<string, unknown>, at: string, report: ImportReport): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const speed = new Params(asObject(s.speed) ?? {}, `${at}.speed`, report);
  const channel = asNumber(speed.take('channel')) ?? asNumber(speed.take('concurrent'));
  out.channel = channel !== undefined && channel >= 1 ? Math.min(256, Math.floor(channel)) : 1;
  const bytes = asNumber(speed.take('byte'));
  const records = asNumber(speed.take('record'));
  const throttle = asBoolean(speed.take('throttle'));
  const mbps = asNumber(speed.take('mbps'));
  const limits: Record<string, number> = {};
  if (bytes !== undefined && bytes > 0) limits.bytes = bytes;
  else if (throttle === true && mbps !== undefined && mbps > 0) limits.bytes = mbps * 1024 * 1024;
  if (records !== undefined && records > 0) limits.records = records;
  if (Object.keys(limits).length) out.speed = limits;
  speed.ignore('dmu');
  speed.finish('setting.speed');
  const hasLimit = s.errorLimit !== undefined;
  const el = new Params(asObject(s.errorLimit) ?? {}, `${at}.errorLimit`, report);
  const rec = asNumber(el.take('record'));
  const pct = asNumber(el.take('percentage'));
  el.finish('setting.errorLimit');
  const errorLimit: Record<string, number> = {};
  if (rec !== undefined) errorLimit.records = Math.max(0, Math.floor(rec));
  if (pct !== undefined) errorLimit.percentage = Math.min(1, Math.max(0, pct));
  out.errorLimit = errorLimit;
  // DataX without errorLimit never fails on dirty records; ferry's default is none allowed, so say it.
  if (!hasLimit) report.notes.push("setting.errorLimit: {} (the DataX job had none, so dirty records do not fail it; ferry's default would be none allowed)");
  for (const k of Object.keys(s)) if (k !== 'speed' && k !== 'errorLimit') report.dropped.push({ key: `${at}.${k}`, why: 'not a setting ferry knows' });
  return out;
}
