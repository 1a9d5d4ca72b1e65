/**
 * User functions: `CREATE [OR REPLACE] [TEMPORARY] FUNCTION|MACRO name(a, b)
 * AS expression` defines a SQL macro (DuckDB's CREATE MACRO, MaxCompute
 * spellings allowed in the body). Unless temporary, it is kept in the
 * store's catalog (`meta:functions`, key `<project>/<name>`), so every later
 * query or SQL node of the store can call it, as a MaxCompute project's
 * functions are. The body may read store tables (the tutorial's
 * `getregion(ip)` looks the address up in a range table). A MaxCompute
 * resource UDF (`CREATE FUNCTION f AS 'x.py' USING ...`) is refused with
 * how to write it as a macro instead.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import type { Store } from '../store.js';

/** A user function as kept in the catalog. */
export interface FunctionDef {
  project: string;
  name: string;
  params: string[];
  /** The expression (or `TABLE query`), as written. */
  body: string;
}

/** A `CREATE FUNCTION|MACRO` statement, read. */
export interface CreateFunction {
  kind: 'function';
  def: FunctionDef;
  replace: boolean;
  ifNotExists: boolean;
  temporary: boolean;
  /** Offset of the body in the statement text (for error positions). */
  bodyOffset: number;
}

/** A `DROP FUNCTION|MACRO [IF EXISTS] name` statement. */
export interface DropFunction {
  kind: 'drop-function';
  project?: string;
  name: string;
  ifExists: boolean;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const CREATE_RE = new RegExp(String.raw`^create\s+(or\s+replace\s+)?(temp\s+|temporary\s+)?(?:function|macro)\s+(if\s+not\s+exists\s+)?(?:(${NAME})\s*\.\s*)?(${NAME})\s*`, 'i');
const DROP_RE = new RegExp(String.raw`^drop\s+(?:temp\s+|temporary\s+)?(?:function|macro)\s+(if\s+exists\s+)?(?:(${NAME})\s*\.\s*)?(${NAME})\s*$`, 'i');

/** True when a statement (comments blanked) creates or drops a function. */
export function isFunctionStatement(body: string): boolean {
  return /^(create\s+(or\s+replace\s+)?(temp\s+|temporary\s+)?|drop\s+(temp\s+|temporary\s+)?)(function|macro)\b/i.test(body);
}

/**
 * Reads `CREATE ... FUNCTION` from `body` (the statement with comments
 * blanked, same length as `text`); `project` is the current one.
 */
export function parseFunctionStatement(text: string, body: string, project: string): CreateFunction | DropFunction {
  const lead = body.length - body.trimStart().length;
  const s = body.slice(lead).trimEnd();
  const drop = DROP_RE.exec(s);
  if (drop) return { kind: 'drop-function', project: drop[2]?.toLowerCase(), name: drop[3]!.toLowerCase(), ifExists: drop[1] !== undefined };
  const m = CREATE_RE.exec(s);
  if (!m)
    throw new FerryError(
      ErrorCodes.SQL,
      `cannot read ${JSON.stringify(s.slice(0, 60))}: expected CREATE [OR REPLACE] [TEMPORARY] FUNCTION name(arg, ...) AS expression, or DROP FUNCTION [IF EXISTS] name`,
    );
  const name = m[5]!.toLowerCase();
  let at = m[0].length;
  if (s[at] !== '(') {
    throw new FerryError(
      ErrorCodes.SQL,
      `CREATE FUNCTION ${name}: ferry runs no Python or Java UDFs (a resource file with USING); write it as a SQL macro over a table: CREATE FUNCTION ${name}(arg, ...) AS expression (see docs/sql.md)`,
    );
  }
  const close = s.indexOf(')', at);
  if (close < 0) throw new FerryError(ErrorCodes.SQL, `CREATE FUNCTION ${name}: expected ')' after the arguments`);
  const params = s
    .slice(at + 1, close)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of params) {
    if (!new RegExp(`^${NAME}$`).test(p)) throw new FerryError(ErrorCodes.SQL, `CREATE FUNCTION ${name}: argument ${JSON.stringify(p)} is not a name (write f(a, b) AS expression)`);
  }
  at = close + 1;
  const as = /^\s*as\s+/i.exec(s.slice(at));
  if (!as) throw new FerryError(ErrorCodes.SQL, `CREATE FUNCTION ${name}(${params.join(', ')}): expected AS expression`);
  at += as[0].length;
  const bodyOffset = lead + at;
  return {
    kind: 'function',
    def: { project: (m[4] ?? project).toLowerCase(), name, params, body: text.slice(bodyOffset, lead + s.length) },
    replace: m[1] !== undefined,
    ifNotExists: m[3] !== undefined,
    temporary: m[2] !== undefined,
    bodyOffset,
  };
}

const db = (store: Store) => store.meta('functions');

/** Every function kept in the store (all projects). */
export function listFunctions(store: Store): FunctionDef[] {
  return [...db(store).getRange()].map((e) => e.value as FunctionDef).filter((f) => f && typeof f.body === 'string');
}

/** The kept function `project.name`, or undefined. */
export function getFunction(store: Store, project: string, name: string): FunctionDef | undefined {
  return db(store).get(`${project}/${name}`) as FunctionDef | undefined;
}

/** Keeps a function (replacing one of the same name). */
export async function saveFunction(store: Store, def: FunctionDef): Promise<void> {
  await db(store).put(`${def.project}/${def.name}`, def);
}

/** Forgets a function; false when there was none. */
export async function dropFunction(store: Store, project: string, name: string): Promise<boolean> {
  return db(store).remove(`${project}/${name}`);
}
