// A third-party reader: every line of local text files, one string column.
// Each file is a split. See docs/plugins.md.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineReader, ferrySchema, finishBatch, createBuilders, t, FerryError, ErrorCodes } from '@ferry/core';

export default defineReader({
  name: 'lines',
  description: 'lines of local text files',
  config: t.object({
    files: t.array(t.string({ minLength: 1 }), { minItems: 1 }).describe('text files; relative paths resolve against the job file'),
    column: t.string({ minLength: 1 }).default('line').describe('name of the output column'),
    batchRows: t.integer({ min: 1 }).default(10_000).describe('rows per batch'),
  }),
  schema(config) {
    return ferrySchema([{ name: config.column, type: 'string' }]);
  },
  split(config, ctx) {
    return config.files.map((file) => ({ file: resolve(ctx.baseDir, file) }));
  },
  async *read(split, ctx) {
    let text;
    try {
      text = await readFile(split.file, 'utf8');
    } catch (err) {
      throw new FerryError(ErrorCodes.SOURCE, `cannot read ${split.file}: ${err.code ?? err.message}`);
    }
    const builders = createBuilders(ctx.schema);
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (const line of lines) {
      builders[0].append(line);
      if (builders[0].length === ctx.config.batchRows) {
        yield finishBatch(ctx.schema, builders);
        if (ctx.signal.aborted) return; // the job stopped: read no further
      }
    }
    if (builders[0].length > 0) yield finishBatch(ctx.schema, builders);
  },
  async check(config, ctx) {
    const missing = [];
    for (const f of config.files) await readFile(resolve(ctx.baseDir, f)).catch(() => missing.push(f));
    return missing.length ? { ok: false, message: `missing: ${missing.join(', ')}` } : { ok: true, message: `${config.files.length} file(s) readable` };
  },
});
