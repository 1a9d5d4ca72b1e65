/**
 * The shared suite every writer runs (`testWriter`): schema before data,
 * rows from several channels all published at commit, an empty write,
 * NULLs of every column type, abort leaving the destination as it was,
 * errors wrapped with plugin and hook. The rows come from core's `generate`
 * reader, converted to the writer's types as in a run. Runs under vitest.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isFerryError } from '../errors.js';
import type { WriterPlugin } from '../plugin.js';
import generateReader from '../plugins/generate.js';
import { validate } from '../config-schema.js';
import type { ContextOptions } from './contexts.js';
import { jobContext } from './contexts.js';
import { drive, driveWriter } from './drive.js';

/** What a writer gives the suite; each config is made fresh for its test (a new destination). */
export interface WriterSuiteOptions {
  plugin: WriterPlugin;
  /** A fresh destination. */
  config: () => unknown | Promise<unknown>;
  /** The source columns written (ferry types, as `generate` takes them); the first one is never NULL. */
  columns: { name: string; type: string }[];
  /** The rows now at the destination of `config`, or undefined when there is nothing there. */
  readBack: (config: unknown) => Promise<Record<string, unknown>[] | undefined>;
  /** A config that fails at prepare or write (a missing table, an unwritable path). */
  failing?: () => unknown | Promise<unknown>;
  context?: ContextOptions;
  skip?: boolean;
}

/** Registers the shared writer suite for `opts.plugin`. */
export function testWriter(opts: WriterSuiteOptions): void {
  const { plugin } = opts;
  const source = async (rows: number, nullEvery = 0, splitRows?: number) => {
    const r = await drive(generateReader, { rows, columns: opts.columns, nullEvery, batchRows: 50, ...(splitRows ? { splitRows } : {}) }, { channels: 2 });
    return { schema: r.schema, channels: r.batches };
  };
  describe.skipIf(Boolean(opts.skip))(`writer "${plugin.name}" (shared plugin suite)`, () => {
    it('gives its schema (or null) before any data, without writing', async () => {
      const raw = await opts.config();
      const s = await plugin.schema(validate(plugin.config, raw, 'writer'), jobContext(opts.context));
      if (s !== null) expect(s.fields.length).toBeGreaterThan(0);
      expect(await opts.readBack(raw)).toBeUndefined();
    });

    it('publishes the rows of every channel at commit, not before', async () => {
      const raw = await opts.config();
      const { schema, channels } = await source(300, 0, 100);
      expect(channels.length).toBeGreaterThan(1);
      await driveWriter(plugin, raw, schema, channels, opts.context);
      expect((await opts.readBack(raw))?.length).toBe(300);
    });

    it('commits an empty write', async () => {
      const raw = await opts.config();
      const { schema } = await source(0);
      await driveWriter(plugin, raw, schema, [[]], opts.context);
      expect((await opts.readBack(raw)) ?? []).toEqual([]);
    });

    it('writes NULL in every column type', async () => {
      const raw = await opts.config();
      const { schema, channels } = await source(4, 1);
      await driveWriter(plugin, raw, schema, channels, opts.context);
      const rows = (await opts.readBack(raw)) ?? [];
      expect(rows.length).toBe(4);
      for (const c of opts.columns.slice(1))
        expect(
          rows.every((r) => r[c.name] === null || r[c.name] === undefined),
          `NULLs in ${c.name} (${c.type})`,
        ).toBe(true);
    });

    it('leaves the destination as it was when the write is aborted', async () => {
      const raw = await opts.config();
      const before = await opts.readBack(raw);
      const { schema, channels } = await source(100);
      await driveWriter(plugin, raw, schema, channels, { ...opts.context, abort: true });
      expect(await opts.readBack(raw)).toEqual(before);
    });

    it.skipIf(!opts.failing)('fails with a FerryError that names the plugin and hook', async () => {
      const { schema, channels } = await source(10);
      const err = await driveWriter(plugin, await opts.failing!(), schema, channels, opts.context).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isFerryError(err), String(err)).toBe(true);
      if (!isFerryError(err)) return;
      expect(err.code).not.toBe(ErrorCodes.INTERNAL);
      expect(err.plugin).toBe(plugin.name);
      expect(['schema', 'prepare', 'open', 'write', 'close', 'commit']).toContain(err.hook);
    });
  });
}
