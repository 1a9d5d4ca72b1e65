/**
 * `ferry preview JOB [-n 20]`: the first rows of the first split, converted
 * to the destination's types and shown as they would be stored, dirty rows
 * marked with their reason and source position. Nothing is written.
 */
import { Command } from 'commander';
import { categoryOf, describeRowSource, ErrorCodes, FerryError, formatValue, makeGetter, redactText, rowSourceOf, type ChannelContext, type RowSource, type makeBatch } from '@ferry/core';
import { createConverter, planConvert, type schemaFromBytes } from '@ferry/core/engine';
import { withSignals } from '../run-support.js';
import { loadJob, type LoadOptions } from '../job-setup.js';
import { targetOptions } from '../workspace-target.js';

const collect = (v: string, prev: string[]) => [...prev, v];
// Arrow types through core: the CLI does not depend on apache-arrow itself.
type RecordBatch = ReturnType<typeof makeBatch>;
type Schema = ReturnType<typeof schemaFromBytes>;

/** One previewed row: its values as stored, or why it is dirty. */
export interface PreviewRow {
  source?: RowSource;
  values?: (string | null)[];
  dirty?: { reason: string; record: unknown };
}

export function previewCommand(): Command {
  const cmd = new Command('preview')
    .description('show the first rows of the first split as they would be stored (dirty rows marked); writes nothing')
    .argument('<job>', 'job file')
    .option('-n, --rows <n>', 'rows to show', '20')
    .option('-p, --param <name=value>', 'fill ${name} placeholders (repeatable)', collect, [])
    .option('--bizdate <yyyymmdd>', 'business date (sets ${bizdate})')
    .option('--json', 'one JSON object per row');
  return targetOptions(cmd).action(async (jobPath: string, opts: LoadOptions & { rows: string; json?: boolean }) => {
    const n = Number(opts.rows);
    if (!Number.isSafeInteger(n) || n < 1) throw new FerryError(ErrorCodes.USAGE, `-n ${opts.rows}: expected a positive number of rows`);
    const { rows, columns, split } = await withSignals((signal) => previewJob(jobPath, opts, n, signal));
    if (opts.json) {
      process.stdout.write(redactText(rows.map((r) => JSON.stringify(r) + '\n').join('')));
      return;
    }
    const dirty = rows.filter((r) => r.dirty).length;
    process.stdout.write(redactText(`preview of ${jobPath}: ${rows.length} row(s) of ${split}, ${dirty} dirty; nothing written`) + '\n');
    const header = ['source', ...columns];
    const lines = rows.map((r) => [r.source ? describeRowSource(r.source) : '', ...(r.values ?? []).map((v) => (v === null ? 'NULL' : v))]);
    const widths = header.map((h, i) =>
      Math.min(40, Math.max(h.length, ...lines.filter((_, j) => !rows[j]!.dirty).map((l) => (l[i] ?? '').length), i === 0 ? Math.max(0, ...lines.map((l) => l[0]!.length)) : 0)),
    );
    const cell = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w));
    let out = header.map((h, i) => cell(h, widths[i]!)).join('  ') + '\n';
    rows.forEach((r, j) => {
      if (r.dirty) out += `${cell(lines[j]![0]!, widths[0]!)}  DIRTY ${r.dirty.reason}  (read: ${JSON.stringify(r.dirty.record)})\n`;
      else
        out +=
          lines[j]!.map((s, i) => cell(s, widths[i]!))
            .join('  ')
            .trimEnd() + '\n';
    });
    process.stdout.write(redactText(out));
  });
}

/** Reads and converts the first `n` rows of the first split. */
export async function previewJob(jobPath: string, opts: LoadOptions, n: number, signal: AbortSignal): Promise<{ rows: PreviewRow[]; columns: string[]; split: string }> {
  const { reader, writer, readerConfig, writerConfig, ctx, writerCtx } = await loadJob(jobPath, opts, signal);
  const source = await reader.schema(readerConfig, ctx);
  const dest = await writer.schema(writerConfig, writerCtx);
  const convert = createConverter(planConvert(source, dest), source, dest);
  const splits = await reader.split(readerConfig, { ...ctx, advice: 1 });
  const out = dest ?? source;
  const rows: PreviewRow[] = [];
  if (splits.length === 0) return { rows, columns: out.fields.map((f) => f.name), split: 'no split (nothing to read)' };
  const chCtx: ChannelContext & { config: unknown; schema: Schema } = {
    log: ctx.log,
    signal,
    splitIndex: 0,
    settings: ctx.settings,
    baseDir: ctx.baseDir,
    config: readerConfig,
    schema: source,
    count: () => {},
    dirty: (record, reason, src) => void rows.push({ ...(src ? { source: src } : {}), dirty: { reason, record } }),
  };
  for await (const batch of reader.read(splits[0], chCtx)) {
    addBatch(batch, rows, convert(batch), out);
    if (rows.length >= n) break;
  }
  // Reader-side dirty rows are reported while framing, before their batch: order by line when every row has one.
  if (rows.every((r) => typeof r.source?.line === 'number')) rows.sort((a, b) => (a.source!.line as number) - (b.source!.line as number));
  return { rows: rows.slice(0, n), columns: out.fields.map((f) => f.name), split: describeSplit(splits[0]) };
}

function addBatch(batch: RecordBatch, rows: PreviewRow[], converted: ReturnType<ReturnType<typeof createConverter>>, out: Schema): void {
  const locate = rowSourceOf(batch);
  const dirtyAt = new Map(converted.dirty.map((d) => [d.row, d]));
  const good = converted.batch;
  const getters = out.fields.map((f, c) => ({ get: makeGetter(good.getChildAt(c)!.data[0]!, f), cat: categoryOf(f), field: f }));
  let g = 0;
  for (let r = 0; r < batch.numRows; r++) {
    const src = locate?.(r);
    const d = dirtyAt.get(r);
    if (d) {
      rows.push({ ...(src ? { source: src } : {}), dirty: { reason: d.reason, record: d.record } });
      continue;
    }
    const values = getters.map(({ get, cat, field }) => {
      const v = get(g);
      return v === null || v === undefined ? null : cat ? formatValue(v, cat, field) : String(v);
    });
    g++;
    rows.push({ ...(src ? { source: src } : {}), values });
  }
}

function describeSplit(split: unknown): string {
  const s = split as { path?: string; url?: string; what?: string; range?: string };
  return s.path ?? s.url ?? (s.what ? `${s.what}${s.range ? ` (${s.range})` : ''}` : 'the first split');
}
