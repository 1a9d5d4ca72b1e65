/**
 * Reading a run's dirty records (`<store>/runs/<run id>/dirty.jsonl`) and
 * turning split-relative line numbers into the line an editor shows.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describeRowSource, ErrorCodes, FerryError, type RowSource } from '@ferry/core';

/** One line of dirty.jsonl. */
export interface DirtyRecord {
  split: number;
  row: number;
  source?: RowSource;
  column: string;
  reason: string;
  record: unknown;
}

/** The dirty.jsonl of a run id under `runsDir` (or of a run folder or file path given directly). */
export function dirtyFileOf(runId: string, runsDir: string): string {
  if (existsSync(runId)) return statSync(runId).isDirectory() ? join(runId, 'dirty.jsonl') : runId;
  const runDir = join(runsDir, runId);
  if (!existsSync(runDir)) throw new FerryError(ErrorCodes.NOT_FOUND, `no run ${runId} in ${runsDir} (give --store, or the run folder)`);
  return join(runDir, 'dirty.jsonl');
}

/** Reads up to `limit` records, in file order. A run without dirty records has no file: none. */
export async function readDirty(file: string, limit = Infinity): Promise<DirtyRecord[]> {
  if (!existsSync(file)) return [];
  const out: DirtyRecord[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      out.push(JSON.parse(line) as DirtyRecord);
      if (out.length >= limit) break;
    }
  } finally {
    lines.close();
  }
  return out;
}

/**
 * Makes `{file, line, fromByte}` positions absolute for local files: the
 * line is counted from the first line after `fromByte`, so the file's line
 * is the newlines before byte fromByte-1, plus one, plus it. Counted once
 * per (file, fromByte).
 */
export async function resolveLines(records: DirtyRecord[]): Promise<void> {
  const cache = new Map<string, number | undefined>();
  for (const r of records) {
    const s = r.source;
    if (!s || typeof s.file !== 'string' || typeof s.fromByte !== 'number' || typeof s.line !== 'number' || !s.file.startsWith('/')) continue;
    const key = `${s.file}\0${s.fromByte}`;
    if (!cache.has(key)) cache.set(key, await newlinesBefore(s.file, s.fromByte - 1).catch(() => undefined));
    const before = cache.get(key);
    if (before === undefined) continue;
    const { fromByte: _f, ...rest } = s;
    r.source = { ...rest, line: before + 1 + s.line };
  }
}

async function newlinesBefore(path: string, end: number): Promise<number> {
  let n = 0;
  if (end <= 0) return 0;
  for await (const chunk of createReadStream(path, { start: 0, end: end - 1, highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

/** `where  column: reason  record` */
export function formatDirty(r: DirtyRecord): string {
  const where = r.source ? describeRowSource(r.source) : `split ${r.split} row ${r.row}`;
  return `${where}  ${r.reason}  ${JSON.stringify(r.record)}`;
}
