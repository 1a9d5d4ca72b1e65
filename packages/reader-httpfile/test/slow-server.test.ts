/**
 * A server that trickles a byte now and then is not waited on forever
 * (lowSpeedLimit / lowSpeedTime, as curl -Y / -y), and retries wait at most
 * retryBackoffMax between attempts. Small settings keep the test quick; a
 * regression shows as a test that never ends (vitest's timeout fails it).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from './helpers.js';

let server: Server;
let base: string;
let cuts = 0;
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/trickle.txt') {
      // One byte every 50 ms, forever: never silent long enough for readTimeout.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => res.write('x'), 50);
      timers.add(t);
      res.on('close', () => {
        clearInterval(t);
        timers.delete(t);
      });
    } else if (req.url === '/flaky.txt') {
      // The first two answers break off after a line; the third is whole.
      if (cuts++ < 2) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 8 });
        res.write('1\n', () => res.destroy());
      } else res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 8 }).end('1\n2\n3\n4\n');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const t of timers) clearInterval(t);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('slow servers', () => {
  it('drops a body slower than lowSpeedLimit over lowSpeedTime, retries, then fails naming the URL and the settings', async () => {
    const err = await readAll({ url: `${base}/trickle.txt`, readTimeout: 60_000, lowSpeedLimit: 100, lowSpeedTime: 300, retries: 1, retryBackoff: 10 }).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(err?.code).toBe('FERRY_ERR_SOURCE');
    expect(err?.message).toBe(`${base}/trickle.txt is too slow: fewer than 100 bytes/s for 300 ms (lowSpeedLimit/lowSpeedTime) (after 1 retries)`);
  });

  it('waits at most retryBackoffMax between retries', async () => {
    const { rows } = await readAll({ url: `${base}/flaky.txt`, retries: 3, retryBackoff: 3_600_000, retryBackoffMax: 20 });
    expect(rows).toEqual([['1'], ['2'], ['3'], ['4']]);
  });
});
