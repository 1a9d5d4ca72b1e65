/**
 * A server that content-encodes its responses (Content-Encoding gzip,
 * deflate, br) is decoded by the header, as curl --compressed and browsers
 * do, even when the job's `compress` is not set.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from './helpers.js';

const text = Array.from({ length: 5000 }, (_, i) => `${i},name ${i},€${i}`).join('\n') + '\n';
const encoders: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, 'x-gzip': gzipSync, deflate: deflateSync, br: brotliCompressSync };
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const enc = req.url!.slice(1).replace(/\.txt$/, '');
    const encode = encoders[enc];
    if (!encode) return void res.writeHead(404).end();
    // Range requests get the whole file, encoded, as many servers do when they compress on the fly.
    const body = encode(Buffer.from(text));
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': enc, 'content-length': body.length, 'accept-ranges': 'bytes' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('Content-Encoding', () => {
  it('decodes gzip, x-gzip, deflate and br responses by their header, at 1 and 4 channels', async () => {
    for (const enc of Object.keys(encoders)) {
      for (const advice of [1, 4]) {
        const { rows, dirty } = await readAll({ url: `${base}/${enc}.txt`, columns: [{ index: 0, type: 'long' }, { index: 1 }, { index: 2 }] }, { advice });
        expect(dirty, enc).toEqual([]);
        expect(rows.length, enc).toBe(5000);
        expect(rows[4999], enc).toEqual(['4999', 'name 4999', '€4999']);
      }
    }
  });

  it('does not decode twice when compress names the same encoding', async () => {
    const { rows } = await readAll({ url: `${base}/gzip.txt`, compress: 'gzip' });
    expect(rows.length).toBe(5000);
    expect(rows[0]).toEqual(['0,name 0,€0']);
  });
});
