/**
 * DataX reader blocks -> ferry reader blocks: mysqlreader/rdbmsreader (and
 * DataWorks `mysql`) -> mysql, txtfilereader -> file, httpfile -> httpfile.
 */
import { asBoolean, asList, asNumber, asObject, Params, type ImportReport } from './params.js';
import { fileColumns } from './text-columns.js';

/** What a reader translation needs besides the parameters. */
export interface ReaderImportContext {
  report: ImportReport;
  /** Folder relative paths resolve against (the DataX file's folder). */
  baseDir: string;
}

const PASSWORD_ENV = 'FERRY_MYSQL_PASSWORD';

/** `tbl_[0-3]` -> tbl_0 .. tbl_3, as DataX expands sharded table names. */
export function expandTableRange(name: string): string[] {
  const m = /^(.*)\[(\d+)-(\d+)\](.*)$/.exec(name);
  if (!m) return [name];
  const [, head, a, b, tail] = m;
  const from = Number(a),
    to = Number(b);
  if (to < from || to - from > 10_000) return [name];
  const width = a!.length > 1 && a!.startsWith('0') ? a!.length : 0;
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`${head}${String(i).padStart(width, '0')}${tail}`);
  return out;
}

/** A jdbc:mysql URL without a `password=` query parameter; says whether one was there. */
function stripUrlPassword(url: string): { url: string; had: boolean } {
  let had = false;
  let out = url.replace(/([?&])password=[^&]*(&?)/i, (_m, lead: string, trail: string) => {
    had = true;
    return trail ? lead : '';
  });
  // Userinfo (`//user:secret@host`) is a secret too.
  out = out.replace(/(\/\/[^:/@]*):[^@/]*@/, (_m, user: string) => {
    had = true;
    return `${user}@`;
  });
  return { url: out, had };
}

/** mysqlreader, rdbmsreader over jdbc:mysql, DataWorks `mysql`. */
export function mysqlReader(p: Params, ctx: ReaderImportContext): Record<string, unknown> {
  const out: Record<string, unknown> = { plugin: 'mysql' };
  const { report } = ctx;
  const ds = p.take('datasource');
  if (typeof ds === 'string') {
    out.datasource = ds;
    report.notes.push(`reader: data source ${ds}: define it in your ferry.yaml workspace (datasources.${ds}, type mysql) and run inside that workspace`);
  }
  const conns = asList(p.take('connection'));
  if (conns.length > 1)
    report.dropped.push({ key: `${p.at}.connection[1..]`, why: `${conns.length - 1} more connection(s) (other databases): ferry reads one database per job; make one job per database` });
  const conn = new Params(asObject(conns[0]) ?? {}, `${p.at}.connection[0]`, report);
  const urls = asList(conn.take('jdbcUrl'));
  if (urls.length > 0) {
    const first = String(urls[0]);
    if (!/^jdbc:(mysql|mariadb):/i.test(first)) {
      report.dropped.push({ key: `${conn.at}.jdbcUrl[0]`, why: `${first.split('?')[0]} is not a MySQL/MariaDB URL: ferry's mysql reader cannot read it` });
    }
    const { url, had } = stripUrlPassword(first);
    out.url = url;
    if (had) report.notes.push(`reader.url: the password in the jdbcUrl was removed; it goes in $${PASSWORD_ENV}`);
    if (urls.length > 1) report.dropped.push({ key: `${conn.at}.jdbcUrl[1..]`, why: `DataX tries ${urls.length - 1} more URL(s) when the first fails; ferry connects to the first only` });
  }
  const cds = conn.take('datasource');
  if (typeof cds === 'string' && out.datasource === undefined) out.datasource = cds;
  const tables = asList(conn.take('table')).flatMap((t) => expandTableRange(String(t)));
  if (tables.length > 0) out.table = tables.length === 1 ? tables[0] : tables;
  const queries = asList(conn.take('querySql')).map(String);
  if (queries.length > 0) out.querySql = queries.length === 1 ? queries[0] : queries;
  conn.finish('a mysqlreader connection');

  const user = p.take('username');
  if (typeof user === 'string') out.username = user;
  if (p.has('password')) {
    const pw = p.take('password');
    // A DataX placeholder (`${pwd}`, filled with -p) stays a placeholder; a literal secret never goes into the output.
    if (typeof pw === 'string' && /^\$\{env:[A-Za-z_]\w*\}$/.test(pw)) out.password = pw;
    else {
      out.password = `\${env:${PASSWORD_ENV}}`;
      report.notes.push(`reader.password: moved to \${env:${PASSWORD_ENV}}: set ${PASSWORD_ENV} in the environment before ferry run (the DataX file's value was not copied)`);
    }
  }
  const cols = asList(p.take('column')).map(String);
  if (cols.length > 0 && queries.length === 0) out.columns = cols;
  else if (cols.length > 0) report.notes.push('reader.column: ignored next to querySql (the SELECT names the columns), as DataX does');
  const where = p.take('where');
  if (typeof where === 'string' && where.trim() !== '') {
    if (queries.length > 0) report.notes.push('reader.where: ignored next to querySql, as DataX does (put the condition into the SELECT)');
    else out.where = where;
  }
  const splitPk = p.take('splitPk');
  if (typeof splitPk === 'string' && splitPk !== '') {
    if (queries.length > 0) report.dropped.push({ key: `${p.at}.splitPk`, why: 'a querySql is read as one split in ferry' });
    else out.splitPk = splitPk;
  }
  const fetchSize = asNumber(p.take('fetchSize'));
  if (fetchSize !== undefined && fetchSize >= 1) out.fetchSize = Math.min(Math.floor(fetchSize), 1_000_000);
  p.drop('session', "session statements (SET ...) are not run by ferry's mysql reader");
  p.drop('preSql', 'ferry runs no SQL before reading');
  p.drop('postSql', 'ferry runs no SQL after reading');
  p.drop('hint', 'query hints are not supported');
  for (const k of ['encoding', 'mandatoryEncoding', 'useSpecialSecret', 'envType']) p.ignore(k);
  p.finish('the mysql reader');
  return out;
}

/** txtfilereader -> file; DataWorks/ferry httpfile -> httpfile (same framing keys). */
export async function textReader(p: Params, ctx: ReaderImportContext, plugin: 'file' | 'httpfile'): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { plugin };
  const { report } = ctx;
  if (plugin === 'file') {
    const paths = asList(p.take('path')).map(String);
    out.path = paths.length === 1 ? paths[0] : paths;
  } else {
    const ds = p.take('datasource');
    if (typeof ds === 'string') {
      out.datasource = ds;
      report.notes.push(`reader: data source ${ds}: define it in your ferry.yaml workspace (datasources.${ds}, type httpfile)`);
    }
    const url = p.take('url');
    if (url !== undefined) out.url = url;
    const names = asList(p.take('fileName') ?? p.take('path')).map(String);
    p.ignore('path');
    if (names.length > 0) out.path = names.length === 1 ? names[0] : names;
  }
  const fileFormat = String(p.take('fileFormat') ?? 'csv').toLowerCase();
  const csvCfg = asObject(p.take('csvReaderConfig'));
  const quoting = fileFormat !== 'text' && asBoolean(csvCfg?.useTextQualifier) !== false;
  if (fileFormat !== 'csv' && fileFormat !== 'text') report.dropped.push({ key: `${p.at}.fileFormat`, why: `"${fileFormat}" is not supported (csv and text are)` });
  out.format = quoting ? 'csv' : 'text';
  if (csvCfg) {
    const extra = Object.keys(csvCfg).filter((k) => k !== 'useTextQualifier');
    if (extra.length) report.dropped.push({ key: `${p.at}.csvReaderConfig`, why: `${extra.join(', ')}: ferry's CSV framing is RFC 4180 (blank lines skipped) and has no such switches` });
  }
  const delimiter = p.take('fieldDelimiter');
  const delim = typeof delimiter === 'string' && delimiter !== '' ? delimiter.replace(/^\\t$/, '\t') : ',';
  out.fieldDelimiter = delim;
  if (quoting && delim.length !== 1) {
    out.format = 'text';
    report.notes.push(`reader.format: text (a delimiter of ${delim.length} characters cannot frame CSV quotes)`);
  }
  const encoding = p.take('encoding');
  if (typeof encoding === 'string') out.encoding = encoding.toLowerCase();
  const compress = p.take('compress');
  if (typeof compress === 'string' && compress !== '' && compress.toLowerCase() !== 'none') {
    const c = compress.toLowerCase();
    if (c === 'gzip' || c === 'deflate') out.compress = c;
    else report.dropped.push({ key: `${p.at}.compress`, why: `"${compress}" files are not supported (gzip and deflate are); decompress them first` });
  }
  const skip = asBoolean(p.take('skipHeader'));
  if (skip !== undefined) out.skipHeader = skip;
  const nf = p.take('nullFormat');
  // DataX reads `\N` as NULL unless told otherwise; ferry has no default, so write it out.
  out.nullFormat = typeof nf === 'string' ? nf : '\\N';
  const columns = await fileColumns(p.take('column'), {
    at: `${p.at}.column`,
    report,
    delimiter: delim,
    encoding: typeof encoding === 'string' ? encoding : 'utf-8',
    sample: plugin === 'file' ? asList(out.path).map(String) : [],
    compress: typeof out.compress === 'string' ? out.compress : 'none',
    baseDir: ctx.baseDir,
  });
  if (columns) out.columns = columns;
  p.ignore('bufferSize');
  p.drop('skipEmptyRecords', 'ferry skips blank CSV lines and keeps blank text lines');
  p.drop('maxRetryTime', 'local reads are not retried');
  p.drop('fileAsColumn', 'the file name cannot be read as a column');
  p.drop('markDoneFileName', 'done-marker files are not checked');
  p.drop('enableInnerSplit', 'ferry splits uncompressed text files by byte ranges on its own');
  p.finish(`the ${plugin} reader`);
  return out;
}
