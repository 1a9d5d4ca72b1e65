/**
 * Table lineage of a workflow, as DataWorks derives it: each node's output
 * tables (a sync node's `writer.table`, a sql node's INSERT targets) and
 * input tables (the words of a sql node's statements that name a table
 * another node writes). A node reading a table that another node of the
 * workflow writes depends on it even when `depends` does not say so; a
 * cycle that makes is an error at load time.
 */
import { readFileSync } from 'node:fs';
import { ErrorCodes, FerryError, readJobFile } from '@ferry/core';
// The statement reader only: loading DuckDB (@ferry/writer-table/sql) would cost every workspace load ~0.6 s.
import { classify, splitStatements, stripComments } from '@ferry/writer-table/sql-statements';
import { findCycle, topoOrder } from './dag.js';
import type { Workflow, WorkflowNode } from './workspace.js';

/** What a node reads and writes (table names, lower case, without project). */
export interface NodeLineage {
  reads: string[];
  writes: string[];
  /** Parents the lineage added (not in `depends`). */
  derived: string[];
}

const bare = (name: string) => name.toLowerCase().slice(name.lastIndexOf('.') + 1);

function nodeSqlText(node: WorkflowNode): string {
  if (node.sqlFile) {
    try {
      return readFileSync(node.sqlFile, 'utf8');
    } catch {
      return '';
    }
  }
  return node.sql ?? '';
}

async function outputs(node: WorkflowNode): Promise<string[]> {
  if (node.type === 'sync' && node.job) {
    const job = (await readJobFile(node.job)) as { writer?: { plugin?: string; table?: unknown } } | null;
    const w = job?.writer;
    return w?.plugin === 'table' && typeof w.table === 'string' ? [bare(w.table)] : [];
  }
  if (node.type !== 'sql') return [];
  const out = new Set<string>();
  for (const s of splitStatements(nodeSqlText(node))) {
    try {
      const c = classify(s.text);
      if (c.kind === 'insert') out.add(bare(c.table));
    } catch {
      // A statement ferry cannot read fails when the node runs, with its message.
    }
  }
  return [...out];
}

function words(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of stripComments(text).matchAll(/"((?:[^"]|"")+)"|`([^`]+)`|([A-Za-z_][A-Za-z0-9_]*)/g)) out.add((m[1] ?? m[2] ?? m[3]!).toLowerCase());
  return out;
}

/**
 * Derives the lineage of a workflow and adds the missing dependencies to
 * its nodes (in place), recomputing the order; a cycle is a FerryError
 * naming `where` and the path.
 */
export async function applyLineage(wf: Workflow, where: string): Promise<Record<string, NodeLineage>> {
  const lineage: Record<string, NodeLineage> = {};
  const writers = new Map<string, string[]>();
  for (const node of Object.values(wf.nodes)) {
    const writes = await outputs(node);
    lineage[node.name] = { reads: [], writes, derived: [] };
    for (const t of writes) writers.set(t, [...(writers.get(t) ?? []), node.name]);
  }
  for (const node of Object.values(wf.nodes)) {
    if (node.type !== 'sql') continue;
    const l = lineage[node.name]!;
    const seen = words(nodeSqlText(node));
    for (const [table, by] of writers) {
      // A table the node writes itself is its own (a check query after its INSERT), not an input.
      if (!seen.has(table) || l.writes.includes(table)) continue;
      const others = by.filter((n) => n !== node.name);
      if (others.length === 0) continue;
      l.reads.push(table);
      for (const parent of others) {
        if (!node.depends.includes(parent) && !l.derived.includes(parent)) l.derived.push(parent);
      }
    }
    node.depends = [...node.depends, ...l.derived];
  }
  const graph = Object.fromEntries(Object.values(wf.nodes).map((n) => [n.name, n.depends]));
  const cycle = findCycle(graph);
  if (cycle) throw new FerryError(ErrorCodes.CONFIG, `${where}: dependency cycle ${cycle.join(' -> ')} (with the dependencies table lineage adds: a node depends on the nodes writing the tables it reads)`);
  wf.order = topoOrder(graph);
  return lineage;
}
