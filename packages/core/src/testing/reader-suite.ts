/**
 * The shared suite every reader runs (`testReader`): schema before data,
 * determinism of splits, cancellation through the signal, stopping when the
 * consumer stops (backpressure), errors wrapped with plugin and hook, an
 * empty source, NULLs in every column. Runs under vitest.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isFerryError } from '../errors.js';
import type { ReaderPlugin } from '../plugin.js';
import { validate } from '../config-schema.js';
import { jobContext, channelContext, type ContextOptions } from './contexts.js';
import { drive } from './drive.js';

/** What a reader gives the suite; each config is made fresh for its test. */
export interface ReaderSuiteOptions {
  plugin: ReaderPlugin;
  /** A small source with rows, several batches if it can (for the signal test). */
  config: () => unknown | Promise<unknown>;
  /** A source with no rows. */
  empty?: () => unknown | Promise<unknown>;
  /** A source with a NULL in every column (some row). */
  nulls?: () => unknown | Promise<unknown>;
  /** A config that fails at run time (unreachable server, missing file). */
  failing?: () => unknown | Promise<unknown>;
  /** Columns the NULL source may leave without a NULL (a key the source cannot make NULL). */
  notNull?: string[];
  /** Context overrides (baseDir for relative paths, settings). */
  context?: ContextOptions;
  /** Skip the whole suite (say why in the test file), e.g. no database. */
  skip?: boolean;
}

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x));

/** Registers the shared reader suite for `opts.plugin`. */
export function testReader(opts: ReaderSuiteOptions): void {
  const { plugin } = opts;
  describe.skipIf(Boolean(opts.skip))(`reader "${plugin.name}" (shared plugin suite)`, () => {
    it('gives its schema before any data, and every batch has that schema', async () => {
      const r = await drive(plugin, await opts.config(), opts.context);
      expect(r.schema.fields.length).toBeGreaterThan(0);
      expect(r.rows.length).toBeGreaterThan(0);
      const want = r.schema.fields.map((f) => `${f.name}:${String(f.type)}`);
      for (const b of r.batches.flat()) expect(b.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(want);
    });

    it('splits the same way every time and reads the same rows', async () => {
      const raw = await opts.config();
      const a = await drive(plugin, raw, { ...opts.context, channels: 2 });
      const b = await drive(plugin, raw, { ...opts.context, channels: 2 });
      expect(json(b.splits)).toBe(json(a.splits));
      expect(json(b.rows)).toBe(json(a.rows));
    });

    it('stops when the signal is aborted (ends, or throws a FerryError)', async () => {
      const config = validate(plugin.config, await opts.config(), 'reader');
      const ctx = jobContext(opts.context);
      const schema = await plugin.schema(config, ctx);
      const [split] = await plugin.split(config, { ...ctx, advice: 1 });
      const controller = new AbortController();
      const cctx = channelContext(0, { ...opts.context, signal: controller.signal });
      let after = 0;
      try {
        for await (const _ of plugin.read(split, { ...cctx, config, schema })) {
          if (controller.signal.aborted) after++;
          controller.abort();
          // A reader that ignores the signal would give every remaining batch.
          if (after > 2) break;
        }
      } catch (err) {
        expect(isFerryError(err), String(err)).toBe(true);
      }
      expect(after).toBeLessThanOrEqual(2);
    });

    it('stops reading when the consumer stops asking (return() ends it)', async () => {
      const config = validate(plugin.config, await opts.config(), 'reader');
      const ctx = jobContext(opts.context);
      const schema = await plugin.schema(config, ctx);
      const [split] = await plugin.split(config, { ...ctx, advice: 1 });
      const it = plugin.read(split, { ...channelContext(0, opts.context), config, schema })[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.done).toBe(false);
      // Batches are made only when asked for: giving up after one must end the read and free its resources.
      await it.return?.();
      expect((await it.next()).done).toBe(true);
    });

    it.skipIf(!opts.failing)('fails with a FerryError that names the plugin and hook', async () => {
      const err = await drive(plugin, await opts.failing!(), opts.context).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isFerryError(err), String(err)).toBe(true);
      if (!isFerryError(err)) return;
      expect(err.code).not.toBe(ErrorCodes.INTERNAL);
      expect(err.plugin).toBe(plugin.name);
      expect(['schema', 'split', 'read']).toContain(err.hook);
    });

    it.skipIf(!opts.empty)('reads an empty source as no rows, with its schema', async () => {
      const r = await drive(plugin, await opts.empty!(), opts.context);
      expect(r.schema.fields.length).toBeGreaterThan(0);
      expect(r.rows).toEqual([]);
    });

    it.skipIf(!opts.nulls)('gives NULL in every column', async () => {
      const r = await drive(plugin, await opts.nulls!(), opts.context);
      for (const f of r.schema.fields.filter((x) => !opts.notNull?.includes(x.name)))
        expect(
          r.rows.some((row) => row[f.name] === null),
          `a NULL in ${f.name} (${String(f.type)})`,
        ).toBe(true);
    });
  });
}
