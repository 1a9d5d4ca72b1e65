/** The httpfile reader runs the shared plugin suite against a real HTTP server on port 0. */
import { afterAll, beforeAll } from 'vitest';
import { testReader } from '@ferry/core/testing';
import plugin from '@ferry/reader-httpfile';
import { startServer, type TestServer } from './helpers.js';

let server: TestServer;
const lines = Array.from({ length: 3000 }, (_, i) => `${i},name ${i},${i / 4},2024-06-${String((i % 28) + 1).padStart(2, '0')}`).join('\n') + '\n';
beforeAll(async () => {
  server = await startServer({
    '/rows.csv': { data: Buffer.from(lines) },
    '/empty.csv': { data: Buffer.alloc(0) },
    '/nulls.csv': { data: Buffer.from('1,a,1.5,2024-06-01,true,2024-06-01 10:00:00\n\\N,\\N,\\N,\\N,\\N,\\N\n') },
    '/gone.csv': { data: Buffer.alloc(0), status: 404 },
  });
});
afterAll(async () => server?.close());

const typed = [
  { index: 0, type: 'bigint' },
  { index: 1, type: 'string' },
  { index: 2, type: 'double' },
  { index: 3, type: 'date' },
] as const;

testReader({
  plugin,
  config: () => ({ url: server.url('/rows.csv'), format: 'csv', columns: typed, splitSize: 16 * 1024, batchBytes: 4096 }),
  empty: () => ({ url: server.url('/empty.csv'), format: 'csv', columns: typed }),
  nulls: () => ({
    url: server.url('/nulls.csv'),
    format: 'csv',
    nullFormat: '\\N',
    columns: [...typed, { index: 4, type: 'boolean' }, { index: 5, type: 'datetime' }],
  }),
  failing: () => ({ url: server.url('/gone.csv'), retries: 0 }),
});
