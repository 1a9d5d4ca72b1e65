/**
 * The `ferry ui` web server (node:http): the page's own files, a read-only
 * JSON API over workflow-view.ts and store-view.ts, and the kept bench
 * reports. Files are served from a fixed list read at start (a request path
 * is looked up, never joined to a folder), so no path reaches outside the
 * assets; anything else is 404. Every answer passes core's redaction.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FerryError, isFerryError, isUsageError, redactText } from '@ferry/core';
import { loadWorkspace, parseBizdate, type Workspace } from '@ferry/workflow';
import { openStore, type Store } from '@ferry/writer-table';
import { renderHtml } from '../bench/render-html.js';
import { listReports, readReport } from '../bench/saved-reports.js';
import { partitionsView, previewRows, projectsView, runQuery, tablesView, type QueryLimits } from './store-view.js';
import { instancesView, nodeLog, nodeSummary, workflowsView } from './workflow-view.js';

/** The page's files: `packages/cli/ui/`, shipped with the package. */
export const ASSETS_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/** Asset name -> its bytes and type, read once: the only files the server ever sends. */
function loadAssets(dir: string): Map<string, { body: Buffer; type: string }> {
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[name.slice(name.lastIndexOf('.') + 1)];
    if (type && /^[a-z0-9][a-z0-9-]*\.[a-z]+$/.test(name)) out.set(name, { body: readFileSync(`${dir}/${name}`), type });
  }
  return out;
}

const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
// A bench report is one self-contained page with inline CSS and SVG, shown in a sandboxed frame of the UI.
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'";

/** What the server works on. */
export interface UiContext {
  /** The workspace file, when there is one (reloaded when it changes). */
  workspaceFile?: string;
  env: string;
  storeDir: string;
  /** The project queries and tables start on. */
  project: string;
  limits: QueryLimits;
}

/** The server (not listening yet) and how to stop it: `close` ends open connections and releases the store. */
export interface UiServer {
  server: Server;
  /** Host:port values a request's Host header may name (bound to loopback, so DNS rebinding is refused); by default any. */
  setAllowedHosts(hosts: Set<string>): void;
  close(): Promise<void>;
}

/** Makes the server; `server.listen` starts it. */
export function createUiServer(ctx: UiContext, assetsDir = ASSETS_DIR): UiServer {
  const assets = loadAssets(assetsDir);
  let allowedHosts: Set<string> | undefined;
  let ws: Workspace | undefined;
  let wsText = '';
  const workspace = async (): Promise<Workspace | undefined> => {
    if (!ctx.workspaceFile) return undefined;
    // A changed ferry.yaml is read again; a broken one keeps the last good one and says why.
    const text = readFileSync(ctx.workspaceFile, 'utf8');
    if (!ws || text !== wsText) {
      wsText = text;
      try {
        ws = await loadWorkspace({ workspace: ctx.workspaceFile });
      } catch (err) {
        if (!ws) throw err;
        process.stderr.write(redactText(`ferry ui: ${ctx.workspaceFile} changed but does not load, showing it as it was: ${(err as Error).message}`) + '\n');
      }
    }
    return ws;
  };
  let store: Store | undefined;
  // The store is opened once it exists (never created: the UI only reads) and kept open while the server runs.
  const openedStore = (): Store | undefined => {
    if (store) return store;
    try {
      store = openStore(ctx.storeDir, { mustExist: true });
    } catch (err) {
      if (isFerryError(err) && err.code === ErrorCodes.NOT_FOUND) return undefined;
      throw err;
    }
    return store;
  };
  const needStore = (): Store => {
    const s = openedStore();
    if (!s) throw new FerryError(ErrorCodes.NOT_FOUND, `no store in ${ctx.storeDir} yet`);
    return s;
  };
  const needWorkspace = async (): Promise<Workspace> => {
    const w = await workspace();
    if (!w) throw new FerryError(ErrorCodes.NOT_FOUND, 'no workspace: workflows need a ferry.yaml (start ferry ui in its folder or give --workspace)');
    return w;
  };

  const api: Record<string, (q: URLSearchParams, req: IncomingMessage) => Promise<unknown>> = {
    async overview() {
      const w = await workspace();
      const s = openedStore();
      return {
        workspace: w ? { name: w.name, file: w.file, timezone: w.timezone, environments: Object.keys(w.environments) } : null,
        env: ctx.env,
        store: ctx.storeDir,
        project: ctx.project,
        projects: s ? projectsView(s) : [],
        limits: ctx.limits,
      };
    },
    async workflows() {
      const w = await workspace();
      return w ? workflowsView(w) : [];
    },
    async instances(q) {
      const w = await needWorkspace();
      // Instances live in the store: none before it exists (listing would create it).
      if (!openedStore()) return [];
      return instancesView(w, ctx.env, param(q, 'workflow'));
    },
    async log(q) {
      const w = await needWorkspace();
      needStore();
      const offset = Number(q.get('offset') ?? 0);
      return nodeLog(w, ctx.env, param(q, 'workflow'), bizdate(q), param(q, 'node'), Number.isSafeInteger(offset) && offset >= 0 ? offset : 0);
    },
    async summary(q) {
      const w = await needWorkspace();
      needStore();
      return (await nodeSummary(w, ctx.env, param(q, 'workflow'), bizdate(q), param(q, 'node'))) ?? null;
    },
    async tables(q) {
      const s = openedStore();
      return s ? tablesView(s, project(q)) : [];
    },
    async partitions(q) {
      return partitionsView(needStore(), project(q), param(q, 'table'));
    },
    async preview(q) {
      const n = Math.min(Math.max(Number(q.get('rows') ?? 20) || 20, 1), 200);
      const partition = q.get('partition') || undefined;
      return previewRows(needStore(), project(q), param(q, 'table'), { ...(partition ? { partition } : {}), n });
    },
    async query(_q, req) {
      const body = (await readJson(req)) as { sql?: unknown; project?: unknown };
      if (typeof body.sql !== 'string' || !body.sql.trim()) throw new FerryError(ErrorCodes.USAGE, 'give the SQL to run');
      const p = typeof body.project === 'string' && body.project ? body.project : ctx.project;
      return runQuery(needStore(), checkProject(p), body.sql, ctx.limits);
    },
    async bench() {
      return listReports(ctx.storeDir);
    },
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => sendError(res, err));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) return send(res, 421, 'text/plain; charset=utf-8', 'misdirected request: unknown Host\n');
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const method = req.method ?? 'GET';
    if (path.startsWith('/api/')) {
      const route = path.slice(5);
      const fn = Object.hasOwn(api, route) ? api[route] : undefined;
      if (!fn) return send(res, 404, 'application/json', '{"error":"not found"}');
      const wants = route === 'query' ? 'POST' : 'GET';
      if (method !== wants) return send(res, 405, 'application/json', `{"error":"use ${wants}"}`, { allow: wants });
      if (wants === 'POST' && !/^application\/json\b/.test(req.headers['content-type'] ?? '')) return send(res, 415, 'application/json', '{"error":"send application/json"}');
      const data = await fn(query, req);
      return send(res, 200, 'application/json', redactText(JSON.stringify(data)));
    }
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
    const report = /^\/bench\/([A-Za-z0-9_.-]+)$/.exec(path);
    if (report) {
      const r = readReport(ctx.storeDir, report[1]!);
      if (!r) return notFound(res);
      return send(res, 200, 'text/html; charset=utf-8', redactText(renderHtml(r)), { 'content-security-policy': REPORT_CSP });
    }
    const asset = path === '/' ? assets.get('index.html') : path.startsWith('/assets/') ? assets.get(path.slice(8)) : undefined;
    if (!asset) return notFound(res);
    return send(res, 200, asset.type, asset.body);
  }

  const close = () =>
    new Promise<void>((resolvePromise) => {
      server.close(() => resolvePromise());
      server.closeAllConnections();
    }).finally(async () => {
      const s = store;
      store = undefined;
      await s?.close();
    });
  const setAllowedHosts = (hosts: Set<string>) => {
    allowedHosts = hosts;
  };
  return { server, close, setAllowedHosts };
}

function param(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (!v) throw new FerryError(ErrorCodes.USAGE, `missing ?${name}=`);
  return v;
}

const bizdate = (q: URLSearchParams) => parseBizdate(param(q, 'bizdate'), 'bizdate');

function checkProject(p: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(p)) throw new FerryError(ErrorCodes.USAGE, `project ${JSON.stringify(p)}: expected letters, digits and _`);
  return p.toLowerCase();
}

const project = (q: URLSearchParams) => checkProject(param(q, 'project'));

/** The request body as JSON (at most 256 KiB). */
async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 256 * 1024) throw new FerryError(ErrorCodes.USAGE, 'the request is larger than 256 KiB');
    parts.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    throw new FerryError(ErrorCodes.USAGE, 'the request body is not JSON');
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': PAGE_CSP,
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function notFound(res: ServerResponse): void {
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

/** A user's mistake or a missing thing: its message; a bug: a one-line message (the stack stays on the server's stderr). */
function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  const ferry = isFerryError(err) && err.code !== ErrorCodes.INTERNAL;
  const status = !ferry ? 500 : err.code === ErrorCodes.NOT_FOUND ? 404 : isUsageError(err.code) || err.code === ErrorCodes.SQL ? 400 : 500;
  if (!ferry) process.stderr.write(redactText(`ferry ui: internal error: ${(err as Error)?.stack ?? String(err)}`) + '\n');
  const message = redactText((err as Error)?.message ?? String(err));
  send(res, status, 'application/json', JSON.stringify({ error: message, ...(ferry ? { code: err.code } : {}) }));
}
