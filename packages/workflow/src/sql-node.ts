/**
 * A `sql` node: its statements (a file or inline) with the node's parameters
 * (`${bizdate}`) and the instance's scheduling expressions (`$bizdate`,
 * `${yyyymmdd-1}`, `$[hh24miss]`) filled in, run in order against the
 * workspace's store (`INSERT OVERWRITE|INTO ... SELECT`, `CREATE TABLE`,
 * queries whose rows go to the node's log).
 */
import { readFileSync } from 'node:fs';
import { ErrorCodes, FerryError, substituteSchedulingParams, type CycleTimes, type Logger } from '@ferry/core';
import { openStore } from '@ferry/writer-table';
import { nodeParams } from './node-run.js';
import type { WorkflowNode } from './workspace.js';

/** Rows of a query shown in the node log at most. */
const LOG_ROWS = 100;

/** The node's SQL for an instance: parameters, then scheduling expressions; a `${...}` left over is an error naming it. */
export function nodeSql(node: WorkflowNode, times: CycleTimes): string {
  let text: string;
  if (node.sqlFile) {
    try {
      text = readFileSync(node.sqlFile, 'utf8');
    } catch (err) {
      throw new FerryError(ErrorCodes.CONFIG, `node ${node.name}: cannot read ${node.sqlFile}: ${(err as Error).message}`);
    }
  } else text = node.sql ?? '';
  const params = nodeParams(node, times);
  const filled = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? params[name]! : whole));
  const out = substituteSchedulingParams(filled, times);
  const left = out.match(/\$\{[^}]*\}|\$\[[^\]]*\]/g);
  if (left) throw new FerryError(ErrorCodes.PARAM, `node ${node.name}: unknown parameter ${[...new Set(left)].join(', ')} in ${node.sqlFile ?? 'its sql'} (node params: ${Object.keys(params).join(', ') || 'none'})`);
  return out;
}

/** Runs a sql node's statements; returns the rows its INSERTs wrote. Failures throw (FerryError). */
export async function runSqlNode(o: { storeDir: string; project: string; node: WorkflowNode; times: CycleTimes; log: Logger; signal: AbortSignal }): Promise<number> {
  const text = nodeSql(o.node, o.times);
  // Loaded here: DuckDB's native module costs the other node types nothing.
  const { runScript, writeResult } = await import('@ferry/writer-table/sql');
  const { PassThrough } = await import('node:stream');
  const store = openStore(o.storeDir);
  try {
    const summary = await runScript(store, text, {
      project: o.project,
      write: true,
      signal: o.signal,
      async onQuery(result) {
        const out = new PassThrough();
        let shown = '';
        out.on('data', (d: Buffer) => (shown += d.toString('utf8')));
        await writeResult(result, out, { format: 'table', limit: LOG_ROWS });
        for (const line of shown.replace(/\n$/, '').split('\n')) o.log.info(line);
      },
      onInsert(r) {
        const where = r.partition ? ` partition ${r.partition}` : '';
        o.log.info(`${r.writeMode === 'overwrite' ? 'INSERT OVERWRITE' : 'INSERT INTO'} ${r.table}${where}: ${r.rowsWritten} row(s) written${r.writeMode === 'overwrite' ? `, replaced ${r.rowsReplaced}` : ''}`);
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
