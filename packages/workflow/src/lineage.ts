/**
 * Table lineage of a workflow, as DataWorks derives it: each node's output
 * tables (a sync node's `writer.table`, a sql node's INSERT targets), input
 * tables (the names in a sql node's statements that name a table another
 * node writes) and a sync node's source (its reader's data source and
 * table or path). A node reading a table that another node of the workflow
 * writes depends on it even when `depends` does not say so; a cycle that
 * makes is an error at load time. Tables are matched with their project:
 * a bare name, or one qualified by a project of the workspace's
 * environments, is the environment's table (`t`); another project's is
 * `project.t`, a different table. A node calling a user function that
 * another node creates (`CREATE FUNCTION`, kept in the store) depends on
 * that node too.
 */
import { readFileSync } from 'node:fs';
import { ErrorCodes, FerryError, redactUrl } from '@ferry/core';
import { readJobFile } from '@ferry/core/engine';
// The statement reader only: loading DuckDB (@ferry/writer-table/sql) would cost every workspace load ~0.6 s.
import { classify, splitStatements, stripComments } from '@ferry/writer-table/sql-statements';
import { findCycle, topoOrder } from './dag.js';
import type { Workflow, WorkflowNode } from './workspace.js';

/** What a node reads and writes (tables, lower case: `t` in the environment's project, `p.t` in another). */
export interface NodeLineage {
  reads: string[];
  writes: string[];
  /** A sync node's source: `datasource.table`, `plugin:path`, ... (no URL; secret query parameters of a path masked). */
  sources: string[];
  /** Parents the lineage added (not in `depends`). */
  derived: string[];
}

/** The lineage name of a table: bare in the environment's project (any environment's), `p.t` in another. */
function tableName(name: string, projects: ReadonlySet<string>): string {
  const n = name.toLowerCase().replace(/[\s"`]/g, '');
  const dot = n.lastIndexOf('.');
  if (dot < 0) return n;
  return projects.has(n.slice(0, dot)) ? n.slice(dot + 1) : n;
}

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

interface JobShape {
  reader?: { plugin?: string; datasource?: unknown; table?: unknown; path?: unknown; querySql?: unknown };
  writer?: { plugin?: string; table?: unknown };
}

async function syncJob(node: WorkflowNode): Promise<JobShape | null> {
  return node.type === 'sync' && node.job ? ((await readJobFile(node.job)) as JobShape | null) : null;
}

/** A sync reader as a source name: the data source (or plugin) and its table, path or query. */
function sourceOf(job: JobShape | null): string[] {
  const r = job?.reader;
  if (!r?.plugin) return [];
  const from = typeof r.datasource === 'string' ? r.datasource : r.plugin;
  const what = typeof r.table === 'string' ? `.${r.table}` : typeof r.path === 'string' ? `:${r.path}` : r.querySql !== undefined ? ' (query)' : '';
  // A path may carry a token in its query (`x.txt?token=...`), which is no URL for redactText to find.
  return [redactUrl(`${from}${what}`)];
}

function outputs(node: WorkflowNode, job: JobShape | null, projects: ReadonlySet<string>): string[] {
  if (node.type === 'sync') {
    const w = job?.writer;
    return w?.plugin === 'table' && typeof w.table === 'string' ? [tableName(w.table, projects)] : [];
  }
  if (node.type !== 'sql') return [];
  const out = new Set<string>();
  for (const s of splitStatements(nodeSqlText(node))) {
    try {
      const c = classify(s.text);
      if (c.kind === 'insert') out.add(tableName(c.table, projects));
    } catch {
      // A statement ferry cannot read fails when the node runs, with its message.
    }
  }
  return [...out];
}

const PART = '(?:"(?:[^"]|"")+"|`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)';
const REF = new RegExp(`${PART}(?:\\s*\\.\\s*${PART})?`, 'g');

const CALL = new RegExp(`(${PART}(?:\\s*\\.\\s*${PART})?)\\s*\\(`, 'g');

/** A SQL text without its comments and string literals ('tb' names no table); "quoted" names stay. */
function sqlCode(text: string): string {
  return stripComments(text).replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, (m) => (m.startsWith("'") ? ' '.repeat(m.length) : m));
}

/** The names a SQL text uses (`t`, and `p.t` when qualified by another project), lower case. */
function names(text: string, projects: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const code = sqlCode(text);
  for (const m of code.matchAll(REF)) {
    out.add(tableName(m[0], projects));
    // `t.col` may be a table's column: the first part alone is a name too.
    out.add(tableName(m[0].split('.')[0]!, projects));
  }
  return out;
}

/** The functions a SQL text calls (`f(`, `p.f(`), as lineage names. */
function calls(text: string, projects: ReadonlySet<string>): Set<string> {
  return new Set([...sqlCode(text).matchAll(CALL)].map((m) => tableName(m[1]!, projects)));
}

/** The user functions a sql node keeps in the store for later scripts (`CREATE FUNCTION`, not TEMPORARY), as lineage names. */
function functionsMade(node: WorkflowNode, projects: ReadonlySet<string>): string[] {
  if (node.type !== 'sql') return [];
  const out = new Set<string>();
  for (const s of splitStatements(nodeSqlText(node))) {
    try {
      const c = classify(s.text);
      if (c.kind === 'function' && !c.temporary) out.add(tableName(c.def.project ? `${c.def.project}.${c.def.name}` : c.def.name, projects));
    } catch {
      // A statement ferry cannot read fails when the node runs, with its message.
    }
  }
  return [...out];
}

/**
 * Derives the lineage of a workflow and adds the missing dependencies to
 * its nodes (in place), recomputing the order; a cycle is a FerryError
 * naming `where` and the path.
 */
export async function applyLineage(wf: Workflow, where: string, projects: Iterable<string> = []): Promise<Record<string, NodeLineage>> {
  const envProjects = new Set([...projects].map((p) => p.toLowerCase()));
  const lineage: Record<string, NodeLineage> = {};
  const writers = new Map<string, string[]>();
  /** Function name -> the nodes creating it (a node calling it runs after them, as after a table's writer). */
  const makers = new Map<string, string[]>();
  for (const node of Object.values(wf.nodes)) {
    const job = await syncJob(node);
    const writes = outputs(node, job, envProjects);
    lineage[node.name] = { reads: [], writes, sources: sourceOf(job), derived: [] };
    for (const t of writes) writers.set(t, [...(writers.get(t) ?? []), node.name]);
    for (const f of functionsMade(node, envProjects)) makers.set(f, [...(makers.get(f) ?? []), node.name]);
  }
  for (const node of Object.values(wf.nodes)) {
    if (node.type !== 'sql') continue;
    const l = lineage[node.name]!;
    const seen = names(nodeSqlText(node), envProjects);
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
    const called = calls(nodeSqlText(node), envProjects);
    for (const [fn, by] of makers) {
      // A function the node creates itself is its own (two scripts each defining the same helper are no cycle).
      if (!called.has(fn) || by.includes(node.name)) continue;
      for (const parent of by) {
        if (parent !== node.name && !node.depends.includes(parent) && !l.derived.includes(parent)) l.derived.push(parent);
      }
    }
    node.depends = [...node.depends, ...l.derived];
  }
  const graph = Object.fromEntries(Object.values(wf.nodes).map((n) => [n.name, n.depends]));
  const cycle = findCycle(graph);
  if (cycle)
    throw new FerryError(ErrorCodes.CONFIG, `${where}: dependency cycle ${cycle.join(' -> ')} (with the dependencies table lineage adds: a node depends on the nodes writing the tables it reads)`);
  wf.order = topoOrder(graph);
  return lineage;
}
