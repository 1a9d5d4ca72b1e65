/** The `table` writer runs the shared writer suite of @ferry/core/testing, against a real store in a temp folder. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { testWriter } from '@ferry/core/testing';
import tableWriter, { createTable, listPartitions, openStore, scanBatches } from '@ferry/writer-table';

const dir = mkdtempSync(join(tmpdir(), 'ferry-table-suite-'));
const store = openStore(dir);
afterAll(() => store.close());

const COLUMNS = [
  { name: 'id', type: 'bigint' },
  { name: 'name', type: 'string' },
  { name: 'score', type: 'double' },
  { name: 'at', type: 'timestamp' },
  { name: 'day', type: 'date' },
  { name: 'amount', type: 'decimal(12,2)' },
  { name: 'n', type: 'int' },
];
const DDL = (name: string) => `CREATE TABLE ${name} (id BIGINT, name STRING, score DOUBLE, at TIMESTAMP, day DATE, amount DECIMAL(12,2), n INT) PARTITIONED BY (dt STRING)`;

let tables = 0;
testWriter({
  plugin: tableWriter,
  config: async () => {
    const table = `suite_${tables++}`;
    await createTable(store, 'default', DDL(table));
    return { table, partition: 'dt=20240620' };
  },
  columns: COLUMNS,
  readBack: async (config) => {
    const { table } = config as { table: string };
    if (listPartitions(store, 'default', table).length === 0) return undefined;
    const rows: Record<string, unknown>[] = [];
    for await (const b of scanBatches(store, 'default', table, 'dt=20240620')) for (const r of b.toArray()) rows.push(r.toJSON() as Record<string, unknown>);
    return rows;
  },
  // No such table: the writer says so at its first hook.
  failing: () => ({ table: 'no_such_table', partition: 'dt=20240620' }),
  context: { settings: { storeDir: dir, project: 'default' } },
});
