/** core's own plugins run the shared plugin suite (`@ferry/core/testing`). */
import { nullWriter, generateReader } from '@ferry/core/internal';
import { testReader, testWriter } from '@ferry/core/testing';
import type { WriterPlugin } from '@ferry/core';

const EVERY_TYPE = ['bigint', 'int', 'smallint', 'tinyint', 'double', 'float', 'decimal(10,2)', 'string', 'boolean', 'date', 'timestamp', 'binary'].map((type, i) => ({ name: `c${i}`, type }));

testReader({
  plugin: generateReader,
  config: () => ({ rows: 500, batchRows: 50 }),
  empty: () => ({ rows: 0 }),
  nulls: () => ({ rows: 4, nullEvery: 1, columns: [{ name: 'id', type: 'bigint' }, ...EVERY_TYPE] }),
  notNull: ['id'],
});

// The null writer keeps nothing: its "destination" is the figures of its last commit.
let committed: { rows: number } | undefined;
const countingNull: WriterPlugin = {
  ...nullWriter,
  commit(handle, segments, ctx) {
    committed = nullWriter.commit(handle, segments, ctx) as { rows: number };
    return committed;
  },
};
testWriter({
  plugin: countingNull,
  config: () => {
    committed = undefined;
    return {};
  },
  columns: [{ name: 'id', type: 'bigint' }, ...EVERY_TYPE],
  readBack: async () => (committed ? Array.from({ length: committed.rows }, () => ({})) : undefined),
});
