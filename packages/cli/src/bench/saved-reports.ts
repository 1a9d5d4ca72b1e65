/**
 * The reports `ferry bench` keeps in the store (`<store>/bench/<id>.json`),
 * so `ferry ui` can list and show them. Each is the `--json` report, which
 * holds no secrets (no configs, no param values).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BenchReport } from './report-types.js';

/** A kept report's id: its file name without `.json`. */
const ID = /^[0-9]{8}T[0-9]{6}Z-[A-Za-z0-9_.-]{1,80}$/;

/** The folder of kept reports in a store. */
export const benchDir = (storeDir: string) => join(storeDir, 'bench');

/** Keeps `report` in the store; returns its file. Written whole or not at all. */
export function saveReport(storeDir: string, report: BenchReport): string {
  const dir = benchDir(storeDir);
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const job =
    basename(report.job.file)
      .replace(/\.(json|ya?ml)$/i, '')
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 60) || 'job';
  let id = `${stamp}-${job}`;
  for (let n = 2; existsSync(join(dir, `${id}.json`)); n++) id = `${stamp}-${job}-${n}`;
  const file = join(dir, `${id}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(report));
  renameSync(`${file}.tmp`, file);
  return file;
}

/** One kept report, as listed. */
export interface SavedReportInfo {
  id: string;
  startedAt: string;
  job: string;
  target: string;
  recommended: number;
}

/** The kept reports of a store, newest first (unreadable files are left out). */
export function listReports(storeDir: string): SavedReportInfo[] {
  const dir = benchDir(storeDir);
  if (!existsSync(dir)) return [];
  const out: SavedReportInfo[] = [];
  for (const name of readdirSync(dir)) {
    const id = name.endsWith('.json') ? name.slice(0, -5) : '';
    const report = ID.test(id) ? readReport(storeDir, id) : undefined;
    if (report) out.push({ id, startedAt: report.startedAt, job: report.job.file, target: report.job.target, recommended: report.recommendation.channels });
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
}

/** A kept report by id, or undefined (also for an id that is not one: no path is built from it). */
export function readReport(storeDir: string, id: string): BenchReport | undefined {
  if (!ID.test(id)) return undefined;
  try {
    const r = JSON.parse(readFileSync(join(benchDir(storeDir), `${id}.json`), 'utf8')) as BenchReport;
    return r && typeof r === 'object' && r.job && r.recommendation ? r : undefined;
  } catch {
    return undefined;
  }
}
