// core's testing helpers hand the caller's batches to the table writer and
// keep them (drive()'s `batches`, a list passed to driveWriter twice). The
// writer reuses a batch's memory only when the caller says it gives batches
// up (`batchesHandedOver`, which the engine sets): held batches must come
// out of a write as they went in, and write the same rows again.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ferrySchema } from '@ferry/core';
import { batchRows, driveWriter } from '@ferry/core/testing';
import tableWriter, { createTable, type Store } from '@ferry/writer-table';
import { batchOf, scriptRows, tempStore } from './helpers.js';

let store: Store;
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ store, dir, cleanup } = tempStore());
  // VARCHAR(40): the name column is cast by convert (its builder takes pooled memory); id and n pass through.
  for (const t of ['t1', 't2']) await createTable(store, 'p', `CREATE TABLE ${t} (id BIGINT, name VARCHAR(40), n INT) PARTITIONED BY (dt STRING);`);
});

afterEach(async () => {
  await cleanup();
});

const schema = ferrySchema([
  { name: 'id', type: 'bigint' },
  { name: 'name', type: 'string' },
  { name: 'n', type: 'int' },
]);
const bigints = (_: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

it('leaves batches the caller holds intact through driveWriter', async () => {
  let id = 0;
  const channels = [0, 1].map(() =>
    Array.from({ length: 8 }, () =>
      batchOf(
        schema,
        Array.from({ length: 1000 }, () => [id++, `name-${id}`, id * 3]),
      ),
    ),
  );
  const before = channels.flat().map((b) => JSON.stringify(batchRows(b), bigints));
  const ctx = { settings: { storeDir: dir, project: 'p' } };
  await driveWriter(tableWriter, { table: 't1', partition: 'dt=1' }, schema, channels, ctx);
  const after = channels.flat().map((b) => JSON.stringify(batchRows(b), bigints));
  const changed = after.filter((a, i) => a !== before[i]).length;
  // The same batches written again, to a second table: what reaches the file.
  await driveWriter(tableWriter, { table: 't2', partition: 'dt=1' }, schema, channels, ctx);
  const got = await scriptRows(store, "SELECT id, n FROM t2 WHERE dt = '1' ORDER BY id");
  const seen = new Set(got.filter((r) => Number(r.n) === (Number(r.id) + 1) * 3).map((r) => Number(r.id)));
  const missing = Array.from({ length: id }, (_, i) => i).filter((i) => !seen.has(i)).length;
  expect({ changedBatches: changed, rows: got.length, idsMissingFromSecondCopy: missing }).toEqual({ changedBatches: 0, rows: id, idsMissingFromSecondCopy: 0 });
});
