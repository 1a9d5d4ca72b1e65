/**
 * A `sql` node: its statements (a file or inline) with the node's parameters
 * (`${bizdate}`) and the instance's scheduling expressions (`$bizdate`,
 * `${yyyymmdd-1}`, `$[hh24miss]`) filled in, run in order against the
 * workspace's store (`INSERT OVERWRITE|INTO ... SELECT`, `CREATE TABLE`,
 * queries whose rows go to the node's log).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ErrorCodes, FerryError, substituteSchedulingParams, type CycleTimes, type Logger } from '@ferry/core';
import { openStore } from '@ferry/writer-table';
import { applyEdits, type Edit, type MappedText } from '@ferry/writer-table/sql-statements';
import { nodeParams } from './node-run.js';
import type { WorkflowNode } from './workspace.js';

/** Rows of a query shown in the node log at most. */
const LOG_ROWS = 100;

/** A sql node's SQL as written, and where it comes from. */
function nodeText(node: WorkflowNode): string {
  if (!node.sqlFile) return node.sql ?? '';
  try {
    return readFileSync(node.sqlFile, 'utf8');
  } catch (err) {
    throw new FerryError(ErrorCodes.CONFIG, `node ${node.name}: cannot read ${node.sqlFile}: ${(err as Error).message}`);
  }
}

/** `text` with each match of `re` replaced by `fill(match)`, mapped back to `text`. */
function replaceMapped(text: string, re: RegExp, fill: (match: string, name: string | undefined) => string): MappedText {
  const edits: Edit[] = [];
  for (const m of text.matchAll(re)) {
    const to = fill(m[0], m[1]);
    if (to !== m[0]) edits.push({ at: m.index!, end: m.index! + m[0].length, text: to });
  }
  return applyEdits(text, edits);
}

/**
 * The node's SQL for an instance: parameters, then scheduling expressions,
 * with the map back to the text as written (errors point into the file);
 * a `${...}` left over is an error naming it.
 */
export function nodeSqlMapped(node: WorkflowNode, times: CycleTimes): { source: string; script: MappedText } {
  const source = nodeText(node);
  const params = nodeParams(node, times);
  const filled = replaceMapped(source, /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name) => (Object.hasOwn(params, name!) ? params[name!]! : whole));
  const scheduled = replaceMapped(filled.text, /\$\{[^}]*\}|\$\[[^\]]*\]|\$[A-Za-z_][A-Za-z0-9_]*/g, (whole) => substituteSchedulingParams(whole, times));
  const out = scheduled.text;
  const left = out.match(/\$\{[^}]*\}|\$\[[^\]]*\]/g);
  if (left)
    throw new FerryError(
      ErrorCodes.PARAM,
      `node ${node.name}: unknown parameter ${[...new Set(left)].join(', ')} in ${node.sqlFile ?? 'its sql'} (node params: ${Object.keys(params).join(', ') || 'none'})`,
    );
  return { source, script: { text: out, toSource: (o) => filled.toSource(scheduled.toSource(o)) } };
}

/** The node's SQL for an instance (parameters and scheduling expressions filled). */
export function nodeSql(node: WorkflowNode, times: CycleTimes): string {
  return nodeSqlMapped(node, times).script.text;
}

/** Runs a sql node's statements; returns the rows its INSERTs wrote. Failures throw (FerryError). */
export async function runSqlNode(o: {
  storeDir: string;
  workspaceDir?: string;
  timeZone?: string;
  project: string;
  node: WorkflowNode;
  times: CycleTimes;
  log: Logger;
  signal: AbortSignal;
}): Promise<number> {
  const { source, script } = nodeSqlMapped(o.node, o.times);
  const text = script.text;
  // Errors say `file:line:column` of the file as written (inline sql: `node <name> sql`).
  const shown = o.node.sqlFile ? (o.workspaceDir ? relative(o.workspaceDir, o.node.sqlFile) : o.node.sqlFile) : `node ${o.node.name} sql`;
  // Loaded here: DuckDB's native module costs the other node types nothing.
  const { runScript, writeResult } = await import('@ferry/writer-table/sql');
  const { PassThrough } = await import('node:stream');
  const store = openStore(o.storeDir);
  try {
    const summary = await runScript(store, text, {
      project: o.project,
      write: true,
      signal: o.signal,
      errorLimit: o.node.errorLimit,
      timeZone: o.timeZone,
      source: { name: shown, text: source, toSource: script.toSource },
      async onQuery(result) {
        const out = new PassThrough();
        let shown = '';
        out.on('data', (d: Buffer) => (shown += d.toString('utf8')));
        await writeResult(result, out, { format: 'table', limit: LOG_ROWS });
        for (const line of shown.replace(/\n$/, '').split('\n')) o.log.info(line);
      },
      onInsert(r) {
        const where = r.partition ? ` partition ${r.partition}` : '';
        o.log.info(
          `${r.writeMode === 'overwrite' ? 'INSERT OVERWRITE' : 'INSERT INTO'} ${r.table}${where}: ${r.rowsWritten} row(s) written${r.writeMode === 'overwrite' ? `, replaced ${r.rowsReplaced}` : ''}`,
        );
        if (r.rowsRejected > 0) o.log.warn(`${r.rowsRejected} row(s) left out (errorLimit ${o.node.errorLimit}), e.g. ${r.rejectedSamples.join('; ')}`);
      },
      onFunction(note) {
        o.log.info(note);
      },
      onCreate(results) {
        for (const c of results) o.log.info(`CREATE TABLE ${c.table.project}.${c.table.name}: ${c.created ? 'created' : 'exists already'}`);
      },
    });
    return summary.rowsWritten;
  } finally {
    await store.close();
  }
}
