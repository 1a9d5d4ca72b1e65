// A third-party writer: rows as JSON Lines in one local file, published
// atomically. Channels stage their own files; commit concatenates them and
// renames over the destination; abort deletes the staging folder, so a failed
// job leaves the old file as it was. See docs/plugins.md.
import { createWriteStream } from 'node:fs';
import { mkdir, rm, rename, readFile, appendFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defineWriter, ferrySchema, makeGetter, categoryOf, formatValue, t, FerryError, ErrorCodes } from '@ferry/core';

export default defineWriter({
  name: 'jsonl',
  description: 'rows as JSON Lines in a local file',
  config: t.object({
    path: t.string({ minLength: 1 }).describe('destination file; relative paths resolve against the job file'),
    columns: t.array(t.object({ name: t.string({ minLength: 1 }), type: t.string({ minLength: 1 }) }), { minItems: 1 }).describe('destination columns and their types'),
  }),
  schema(config) {
    return ferrySchema(config.columns);
  },
  async prepare(config, ctx) {
    const path = resolve(ctx.baseDir, config.path);
    const staging = `${path}.staging-${process.pid}-${Date.now()}`;
    try {
      await mkdir(staging, { recursive: true });
    } catch (err) {
      throw new FerryError(ErrorCodes.STORE, `cannot write next to ${path}: ${err.code ?? err.message}`);
    }
    return { path, staging };
  },
  open(handle, ctx) {
    const file = join(handle.staging, `split-${ctx.splitIndex}.jsonl`);
    const out = createWriteStream(file);
    return {
      async write(batch) {
        const fields = batch.schema.fields;
        const getters = fields.map((f, c) => makeGetter(batch.data.children[c], f));
        const cats = fields.map((f) => categoryOf(f));
        let chunk = '';
        for (let i = 0; i < batch.numRows; i++) {
          const row = {};
          fields.forEach((f, c) => {
            const v = getters[c](i);
            row[f.name] = v === null ? null : cats[c] === 'int' || cats[c] === 'float' || cats[c] === 'bool' ? (typeof v === 'bigint' ? String(v) : v) : formatValue(v, cats[c], f);
          });
          chunk += JSON.stringify(row) + '\n';
        }
        if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      },
      async close() {
        await new Promise((r, j) => out.end((err) => (err ? j(err) : r())));
        return [{ file, split: ctx.splitIndex }];
      },
      async abort() {
        out.destroy();
      },
    };
  },
  async commit(handle, segments) {
    const tmp = `${handle.path}.tmp`;
    await writeFile(tmp, '');
    for (const s of [...segments].sort((a, b) => a.split - b.split)) await appendFile(tmp, await readFile(s.file));
    await rename(tmp, handle.path);
    await rm(handle.staging, { recursive: true, force: true });
    return { path: handle.path };
  },
  async abort(handle) {
    await rm(handle.staging, { recursive: true, force: true });
  },
});
